"""Generated requests against every endpoint of a running gateway (the demo configuration,
offline): whatever arrives — extreme numbers, wrong types, deep nesting, invalid UTF-8, broken
JSON, odd methods, headers and query strings — the answer is never a 500, every error comes in
the caller's dialect, and the gateway keeps serving. FUZZ_HTTP_CASES=N sets the count."""
import http.client
import json
import os
import random
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import BIN, REPO, Process

DEMO_KEY = "sy-offline-demo"
ADMIN_KEY = "sy-admin-endpoint-fuzz-0123456789abcdef"
CASES = int(os.environ.get("FUZZ_HTTP_CASES", "2000"))

EXTREMES = [9223372036854775807, 9223372036854775808, -9223372036854775808, -1, 0, 1e308, 1.5, 2147483648, "", "9" * 40,
            None, True, [], {}, "\u0000", "x" * 20000, [[[[[[[[]]]]]]]], [1] * 2000, {"a": {"b": {"c": None}}}]
SEEDS = {
    "/v1/chat/completions": {"model": "chat", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 16, "n": 1,
                             "stream": False, "temperature": 0.5, "tools": [{"type": "function", "function": {"name": "f"}}]},
    "/v1/completions": {"model": "chat", "prompt": "Say hi", "max_tokens": 16, "echo": False, "stop": ["\n"],
                        "stream": False, "suffix": "!", "logprobs": None},
    "/v1/responses": {"model": "chat", "input": [{"role": "user", "content": "hi"}], "instructions": "be brief",
                      "max_output_tokens": 16, "stream": False, "tools": [{"type": "function", "name": "f"}],
                      "text": {"format": {"type": "json_object"}}},
    "/v1/messages": {"model": "chat", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}], "stream": False,
                     "system": "be brief", "tools": [{"name": "f", "input_schema": {"type": "object"}}]},
    "/v1/messages/count_tokens": {"model": "chat", "messages": [{"role": "user", "content": "hi"}]},
    "/admin/keys": {"tenant": "demo", "rpm": 60, "budget": "5USD/day", "allowed_routes": ["chat"]},
    "/admin/route/explain": {"model": "chat", "prompt_tokens": 100, "max_tokens": 10, "needs": ["tools"]},
}
GETS = ["/v1/models", "/healthz", "/readyz", "/admin/keys", "/admin/spend", "/admin/spend?by=tenant,day&since=2026-01-01",
        "/admin/spend?by=colour", "/admin/spend?since=9999999999999", "/admin/keys?all=%ff", "/v1/nothing", "/%00", "/" + "a" * 5000]


def mutate(rng, seed):
    body = json.loads(json.dumps(seed))
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(6)
        key = rng.choice(list(body)) if body else "x"
        if kind == 0:
            body[key] = rng.choice(EXTREMES)
        elif kind == 1:
            body.pop(key, None)
        elif kind == 2:
            body[f"extra{rng.randrange(100)}"] = rng.choice(EXTREMES)
        elif kind == 3 and isinstance(body.get("messages"), list):
            body["messages"] = [rng.choice([{"role": rng.choice(["user", "tool", "bot", 7]), "content": rng.choice(EXTREMES)},
                                            {"role": "user", "content": [{"type": rng.choice(["text", "image", "nope"])}]}])
                                for _ in range(rng.randint(0, 3))]
        elif kind == 4:
            body["stream"] = rng.choice([True, False, "yes", 1])
    raw = json.dumps(body).encode()
    mangle = rng.randrange(10)
    if mangle == 0:
        raw = raw[: rng.randrange(len(raw) + 1)]
    elif mangle == 1:
        position = rng.randrange(len(raw) + 1)
        raw = raw[:position] + rng.choice([b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\x00"]) + raw[position:]
    elif mangle == 2:
        raw = b"[" * 10000 + b"]" * 10000
    return raw


@pytest.fixture(scope="module")
def demo():
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-fuzz-"))
    shutil.copytree(REPO / "Routes", tmp / "Routes")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["SWITCHYARD_ADMIN_KEY"] = ADMIN_KEY
    gateway = Process([BIN, "serve", "--routes", str(tmp / "Routes"), "--port", "0", "--offline", "on",
                       "--catalog", str(REPO / "seeds" / "catalog.yaml")], cwd=tmp, env=env)
    yield gateway
    gateway.stop()


def test_no_generated_request_gets_a_500_and_the_gateway_keeps_serving(demo):
    rng = random.Random(14)
    host, port = demo.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    statuses = {}
    for case in range(CASES):
        # The right key for each endpoint: wrong keys are throttled per address (tested elsewhere).
        if rng.randrange(4):
            path = rng.choice(list(SEEDS))
            headers = {"authorization": f"Bearer {ADMIN_KEY if path.startswith('/admin') else DEMO_KEY}"}
            method, body = "POST", mutate(rng, SEEDS[path])
            headers["content-type"] = rng.choice(["application/json"] * 8 + ["text/plain", "application/json; charset=utf-8"])
            if path == "/v1/messages" and rng.randrange(2):
                headers = {"x-api-key": DEMO_KEY, "content-type": "application/json", "anthropic-version": "2023-06-01"}
        else:
            path, method, body = rng.choice(GETS), rng.choice(["GET", "GET", "HEAD", "DELETE", "PUT", "OPTIONS"]), None
            headers = {"authorization": f"Bearer {ADMIN_KEY if path.startswith('/admin') else DEMO_KEY}"}
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except (http.client.HTTPException, ConnectionError, OSError):
            connection.close()
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            continue
        statuses[response.status] = statuses.get(response.status, 0) + 1
        assert response.status != 500, (case, method, path, body[:300] if body else None, payload[:500])
        if response.status >= 400 and method != "HEAD":
            error = json.loads(payload)
            if path.startswith("/v1/messages"):
                assert error["type"] == "error" and error["error"]["type"], payload
            else:
                assert error["error"]["message"], payload
        if response.getheader("connection") == "close":
            connection.close()
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.close()
    print("statuses:", sorted(statuses.items()))
    assert sum(statuses.values()) >= CASES * 0.95, statuses
    assert statuses.get(200, 0) > 0 and statuses.get(400, 0) > 0, statuses
    answer = json.loads(_chat(demo))
    assert answer["choices"][0]["message"]["content"]


def _chat(gateway):
    import urllib.request
    request = urllib.request.Request(
        gateway.url + "/v1/chat/completions", method="POST",
        data=json.dumps({"model": "chat", "messages": [{"role": "user", "content": "still there?"}]}).encode(),
        headers={"authorization": f"Bearer {DEMO_KEY}", "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()
