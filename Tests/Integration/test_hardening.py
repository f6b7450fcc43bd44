"""Hardening: what one request, one admin call or one bad provider must never do to the gateway.
Each test here failed before its fix (issue 14)."""
import os
import shutil
import tempfile
from pathlib import Path

import anthropic
import openai
import pytest

from conftest import BIN, REPO, Process, raw_request

DEMO_KEY = "sy-offline-demo"
ADMIN_KEY = "sy-admin-hardening-0123456789abcdef"  # ≥ 32 characters
QUESTION = [{"role": "user", "content": "Hello"}]
HUGE = 9223372036854775807  # 2^63 - 1


@pytest.fixture(scope="module")
def demo():
    """The repository's own Routes/ (the demo configuration), offline, with the demo key."""
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-hardening-"))
    routes = tmp / "Routes"
    shutil.copytree(REPO / "Routes", routes)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["SWITCHYARD_ADMIN_KEY"] = ADMIN_KEY
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "on",
                       "--catalog", str(REPO / "seeds" / "catalog.yaml")], cwd=tmp, env=env)
    yield gateway
    gateway.stop()


def alive(gateway):
    reply = openai.OpenAI(base_url=gateway.url + "/v1", api_key=DEMO_KEY).chat.completions.create(
        model="chat", messages=QUESTION)
    return reply.choices[0].message.content


def post(gateway, path, body, key=DEMO_KEY, **headers):
    import json
    return raw_request("POST", gateway.url + path, json.dumps(body).encode(),
                       {"content-type": "application/json", "authorization": f"Bearer {key}", **headers})


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
def test_a_huge_output_limit_is_a_400_naming_the_field_not_a_crash(demo, field):
    answer = post(demo, "/v1/chat/completions", {"model": "chat", "messages": QUESTION, field: HUGE})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["param"] == field and error["type"] == "invalid_request_error"
    assert "2147483647" in error["message"]
    assert alive(demo)


def test_anthropic_max_tokens_out_of_range_is_a_400_in_anthropics_shape(demo):
    client = anthropic.Anthropic(base_url=demo.url, api_key=DEMO_KEY, max_retries=0)
    with pytest.raises(anthropic.BadRequestError) as raised:  # streaming: the SDK refuses a huge non-streaming call itself
        with client.messages.stream(model="chat", max_tokens=HUGE, messages=QUESTION) as stream:
            stream.until_done()
    assert raised.value.body["type"] == "error"
    assert raised.value.body["error"]["type"] == "invalid_request_error"
    assert "max_tokens" in raised.value.body["error"]["message"]
    assert alive(demo)


@pytest.mark.parametrize("field,value", [("n", 0), ("n", HUGE), ("top_logprobs", 21), ("top_logprobs", -1)])
def test_other_bounded_integers_are_checked(demo, field, value):
    answer = post(demo, "/v1/chat/completions", {"model": "chat", "messages": QUESTION, field: value})
    assert answer.status_code == 400 and answer.json()["error"]["param"] == field


def test_a_request_larger_than_every_context_window_is_400_context_length_exceeded(demo):
    # qwen-max has a 32768-token window: 2^31-1 output tokens fit no model of the route.
    answer = post(demo, "/v1/chat/completions", {"model": "qwen/qwen-max", "messages": QUESTION, "max_tokens": 2147483647})
    assert answer.status_code == 400, answer.body
    error = answer.json()["error"]
    assert error["code"] == "context_length_exceeded"
    assert "32768" in error["message"]
    client = openai.OpenAI(base_url=demo.url + "/v1", api_key=DEMO_KEY, max_retries=0)
    with pytest.raises(openai.BadRequestError):  # an SDK does not retry a 400 (it would a 503)
        client.chat.completions.create(model="qwen/qwen-max", messages=QUESTION, max_tokens=40000)
    assert alive(demo)


def test_admin_explain_with_huge_counts_is_a_400_not_a_crash(demo):
    for field in ["prompt_tokens", "max_tokens"]:
        answer = post(demo, "/admin/route/explain", {"model": "chat", field: HUGE}, key=ADMIN_KEY)
        assert answer.status_code == 400, answer.body
        assert answer.json()["error"]["param"] == field
    answer = post(demo, "/admin/route/explain", {"model": "qwen/qwen-max", "prompt_tokens": 30000, "max_tokens": 4000},
                  key=ADMIN_KEY)
    assert answer.status_code == 200
    assert answer.json()["candidates"][0]["excluded_because"] == "context window 32768 < 34000 tokens needed"
    assert alive(demo)


@pytest.mark.parametrize("body,field", [
    ({"tenant": "demo", "allowed_routes": "chat"}, "allowed_routes"),
    ({"tenant": "demo", "rpm": "60"}, "rpm"),
    ({"tenant": "demo", "rpm": 1.5}, "rpm"),
    ({"tenant": "demo", "rpm": 0}, "rpm"),
    ({"tenant": "demo", "rpm": HUGE}, "rpm"),
    ({"tenant": "demo", "tpm": -5}, "tpm"),
    ({"tenant": "demo", "budget": 5}, "budget"),
    ({"tenant": "demo", "budget": "99999999999999USD/day"}, "budget"),
    ({"tenant": "demo", "allowed_route": ["chat"]}, "allowed_route"),
    ({"tenant": 7}, "tenant"),
    ({}, "tenant"),
])
def test_admin_key_creation_refuses_wrong_types_and_unknown_fields(demo, body, field):
    answer = post(demo, "/admin/keys", body, key=ADMIN_KEY)
    assert answer.status_code == 400, answer.body
    assert answer.json()["error"]["param"] == field
    listed = raw_request("GET", demo.url + "/admin/keys", headers={"authorization": f"Bearer {ADMIN_KEY}"})
    assert listed.json() == [], "no key was created"


def test_admin_endpoints_refuse_unknown_fields_and_parameters(demo):
    answer = post(demo, "/admin/route/explain", {"model": "chat", "prompt_token": 5}, key=ADMIN_KEY)
    assert answer.status_code == 400 and answer.json()["error"]["param"] == "prompt_token"
    answer = post(demo, "/admin/route/explain", {"model": "chat", "needs": "tools"}, key=ADMIN_KEY)
    assert answer.status_code == 400 and answer.json()["error"]["param"] == "needs"
    auth = {"authorization": f"Bearer {ADMIN_KEY}"}
    for path, param in [("/admin/keys?tenat=demo", "tenat"), ("/admin/keys?all=yes", "all"),
                        ("/admin/spend?tennant=x", "tennant")]:
        answer = raw_request("GET", demo.url + path, headers=auth)
        assert answer.status_code == 400, (path, answer.body)
        assert answer.json()["error"]["param"] == param


def test_a_well_formed_key_request_still_works(demo):
    answer = post(demo, "/admin/keys", {"tenant": "demo", "rpm": 60, "allowed_routes": ["chat"], "budget": "5USD/day"},
                  key=ADMIN_KEY)
    assert answer.status_code == 201, answer.body
    created = answer.json()
    assert created["allowed_routes"] == ["chat"] and created["rpm"] == 60
    revoked = raw_request("DELETE", demo.url + f"/admin/keys/{created['id']}",
                          headers={"authorization": f"Bearer {ADMIN_KEY}"})
    assert revoked.status_code == 200


# --- providers that misbehave ---------------------------------------------------------------

SUFFIX = {"openai": "/v1", "anthropic": "", "gemini": "/v1beta"}


def serve_over(tmp, providers, routes, env_extra=None, read_timeout_ms=3000, server=None):
    """A gateway over `providers` ({name: (dialect, url)}), with a key; returns (gateway, key, routes_dir)."""
    import yaml
    from conftest import create_key
    routes_dir = tmp / "Routes"
    routes_dir.mkdir(parents=True, exist_ok=True)
    config = {
        "ledger": f"sqlite:{tmp / 'ledger.db'}",
        "admin_key": "env:TEST_ADMIN_KEY",
        "providers": [
            {"name": name, "dialect": dialect, "base_url": url + SUFFIX[dialect], "api_key": "env:MOCK_KEY",
             "read_timeout_ms": read_timeout_ms,
             "models": [{"name": f"{name}-model", "input_per_mtok": 1, "output_per_mtok": 2, "currency": "USD"}]}
            for name, (dialect, url) in providers.items()
        ],
        "routes": routes,
        "tenants": [{"name": "demo"}],
    }
    if server:
        config["server"] = server
    (routes_dir / "gateway.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    key = create_key(routes_dir)["key"]
    env = dict(os.environ, MOCK_KEY="k", TEST_ADMIN_KEY=ADMIN_KEY, **(env_extra or {}))
    gateway = Process([BIN, "serve", "--routes", str(routes_dir), "--port", "0", "--offline", "off"], cwd=tmp, env=env)
    return gateway, key, routes_dir


def ledger_records(routes_dir, where=lambda record: True, count=1, timeout=10):
    """The ledger's records matching `where`, once there are at least `count` (the gateway commits in batches)."""
    import json
    import subprocess
    import time
    deadline = time.monotonic() + timeout
    while True:
        result = subprocess.run([BIN, "ledger", "export", "--routes", str(routes_dir)], capture_output=True, text=True,
                                check=True, cwd=routes_dir.parent)
        records = [r for r in map(json.loads, result.stdout.splitlines()) if where(r)]
        if len(records) >= count or time.monotonic() > deadline:
            return records
        time.sleep(0.2)


@pytest.fixture(scope="module")
def lingering(tmp_path_factory):
    """Providers in each dialect that send their end event, then keep the response open for 20 s."""
    from conftest import mock_provider
    mocks = {dialect: mock_provider(dialect, "--dialect", dialect, "--hold-open-after-end-ms", "20000")
             for dialect in ("openai", "anthropic", "gemini")}
    tmp = tmp_path_factory.mktemp("lingering")
    gateway, key, routes_dir = serve_over(
        tmp, {name: (name, mock.url) for name, mock in mocks.items()},
        [{"name": name, "targets": [f"{name}/{name}-model"]} for name in mocks])
    yield gateway, key, routes_dir
    gateway.stop()
    for mock in mocks.values():
        mock.proc.kill()  # its held-open responses would keep a graceful stop waiting


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini"])
def test_a_stream_ends_at_the_dialects_end_event_even_if_the_provider_keeps_it_open(lingering, provider):
    import time
    gateway, key, routes_dir = lingering
    client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0)
    started = time.monotonic()
    chunks = list(client.chat.completions.create(model=provider, messages=QUESTION, stream=True))
    elapsed = time.monotonic() - started
    assert elapsed < 2, f"the stream stayed open {elapsed:.1f} s after its end"
    assert chunks[-1].choices[0].finish_reason == "stop"
    # Anthropic SDK apps too (a pass-through stream for the Anthropic provider).
    claude = anthropic.Anthropic(base_url=gateway.url, api_key=key, max_retries=0)
    started = time.monotonic()
    with claude.messages.stream(model=provider, max_tokens=64, messages=QUESTION) as stream:
        events = [event.type for event in stream]
    assert time.monotonic() - started < 2
    assert events[-1] == "message_stop" and "error" not in events
    # Both answers are in the ledger as completed, with the provider's usage.
    records = ledger_records(routes_dir, lambda r: r["provider"] == provider, count=2)
    assert len(records) == 2
    assert all(r["outcome"] == "completed" and r["status"] == 200 for r in records)
    assert all(r["output_tokens"] == 16 for r in records)


def test_after_a_lingering_stream_the_gateway_keeps_serving(lingering):
    gateway, key, _ = lingering
    client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0)
    for _ in range(3):
        assert list(client.chat.completions.create(model="openai", messages=QUESTION, stream=True))
        assert client.chat.completions.create(model="openai", messages=QUESTION).choices[0].message.content
