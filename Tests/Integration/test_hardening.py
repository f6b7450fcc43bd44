"""Hardening: what one request, one admin call or one bad provider must never do to the gateway.
Each test here failed before its fix (issue 14)."""
import os
import shutil
import tempfile
from pathlib import Path

import anthropic
import openai
import pytest

from conftest import BIN, REPO, Process, ledger_records, raw_request

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


def serve_over(tmp, providers, routes, env_extra=None, read_timeout_ms=3000, server=None, prefix=()):
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
    gateway = Process([*prefix, BIN, "serve", "--routes", str(routes_dir), "--port", "0", "--offline", "off"], cwd=tmp, env=env)
    return gateway, key, routes_dir


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


# --- the HTTP layer: framing, parser errors, HTTP/1.0, HEAD ------------------------------------

import socket
import time


def connect(gateway):
    host, port = gateway.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def exchange(gateway, raw, read_timeout=10):
    """Sends raw bytes; returns everything read until the server closes (or the timeout)."""
    with connect(gateway) as sock:
        sock.settimeout(read_timeout)
        sock.sendall(raw)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


def split_response(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return lines[0], headers, body


def chat_request(key, body, extra_headers=b"", version=b"HTTP/1.1", chunked=None):
    framing = b"transfer-encoding: chunked\r\n" if chunked is not None else b"content-length: %d\r\n" % len(body)
    return (b"POST /v1/chat/completions " + version + b"\r\nhost: gateway\r\nauthorization: Bearer " + key.encode()
            + b"\r\ncontent-type: application/json\r\n" + framing + extra_headers + b"\r\n"
            + (chunked if chunked is not None else body))


CHAT = b'{"model":"chat","messages":[{"role":"user","content":"Hello"}]}'


@pytest.mark.parametrize("name,chunks", [
    ("bad hex size", b"zz\r\n" + CHAT + b"\r\n0\r\n\r\n"),
    ("negative size", b"-5\r\n" + CHAT + b"\r\n0\r\n\r\n"),
    ("size overflow", b"ffffffffffffffffffff\r\n" + CHAT + b"\r\n0\r\n\r\n"),
    ("short data then EOF", b"%x\r\n" % (len(CHAT) + 50) + CHAT),
    ("missing CRLF", b"%x\r\n" % len(CHAT) + CHAT + b"XX0\r\n\r\n"),
    ("bad trailer", b"%x\r\n" % len(CHAT) + CHAT + b"\r\n0\r\nbad trailer\x00\r\n\r\n"),
])
def test_malformed_chunked_bodies_answer_400_in_openais_shape(demo, name, chunks):
    import json
    with connect(demo) as sock:
        sock.sendall(chat_request(DEMO_KEY, b"", chunked=chunks))
        if name == "short data then EOF":
            sock.shutdown(socket.SHUT_WR)
        sock.settimeout(10)
        raw = b""
        try:
            while chunk := sock.recv(65536):
                raw += chunk
        except (socket.timeout, ConnectionResetError):
            pass
    status, headers, body = split_response(raw)
    assert status.startswith("HTTP/1.1 400"), (name, raw[:300])
    assert headers["content-type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == "invalid_http_request"
    assert raw.count(b"HTTP/1.1 ") == 1, "one answer per request"
    assert alive(demo)


def test_a_malformed_chunked_body_to_the_messages_api_answers_in_anthropics_shape(demo):
    import json
    body = b'{"model":"chat","max_tokens":16,"messages":[{"role":"user","content":"Hello"}]}'
    raw = (b"POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-api-key: " + DEMO_KEY.encode()
           + b"\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n" + body + b"\r\n0\r\n\r\n")
    status, headers, answer = split_response(exchange(demo, raw))
    assert status.startswith("HTTP/1.1 400")
    error = json.loads(answer)
    assert error["type"] == "error" and error["error"]["type"] == "invalid_request_error"
    assert "chunk size" in error["error"]["message"]


@pytest.mark.parametrize("name,raw", [
    ("bad header bytes", b"GET /v1/models HTTP/1.1\r\nhost: x\r\nx-bad: \x01\x02\r\n\r\n"),
    ("NUL in a key", b"GET /v1/models HTTP/1.1\r\nhost: x\r\nx-b\x00d: 1\r\n\r\n"),
    ("10,000 headers", b"GET /v1/models HTTP/1.1\r\nhost: x\r\n" + b"".join(b"x-h%d: v\r\n" % i for i in range(10000)) + b"\r\n"),
    ("not HTTP", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64),
])
def test_parser_errors_come_in_openais_error_shape(demo, name, raw):
    import json
    status, headers, body = split_response(exchange(demo, raw))
    assert status.startswith("HTTP/1.1 400"), (name, status)
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"]["code"] == "invalid_http_request"
    assert alive(demo)


def test_head_answers_like_get_without_a_body(demo):
    for path in ["/healthz", "/v1/models"]:
        raw = exchange(demo, b"HEAD " + path.encode() + b" HTTP/1.1\r\nhost: x\r\nauthorization: Bearer " + DEMO_KEY.encode()
                       + b"\r\nconnection: close\r\n\r\n")
        status, headers, body = split_response(raw)
        assert status == "HTTP/1.1 200 OK", (path, status)
        assert body == b""
        got = raw_request("GET", demo.url + path, headers={"authorization": f"Bearer {DEMO_KEY}"})
        assert int(headers["content-length"]) == len(got.body)
    status, _, body = split_response(exchange(demo, b"HEAD /v1/nothing HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"))
    assert status.startswith("HTTP/1.1 404") and body == b""


def test_http_1_0_gets_a_1_0_answer_and_the_connection_closes(demo):
    import json
    started = time.monotonic()
    raw = exchange(demo, chat_request(DEMO_KEY, CHAT, version=b"HTTP/1.0"), read_timeout=20)
    assert time.monotonic() - started < 10, "the connection was not closed after the response"
    status, headers, body = split_response(raw)
    assert status == "HTTP/1.0 200 OK"
    assert headers.get("connection") == "close"
    assert json.loads(body)["choices"][0]["message"]["content"]
    # Streams: close-delimited, never chunked (HTTP/1.0 has no chunked encoding).
    stream = CHAT.replace(b'"model":"chat"', b'"model":"chat","stream":true')
    raw = exchange(demo, chat_request(DEMO_KEY, stream, version=b"HTTP/1.0"), read_timeout=20)
    status, headers, body = split_response(raw)
    assert status == "HTTP/1.0 200 OK"
    assert "transfer-encoding" not in headers and "content-length" not in headers
    assert body.rstrip().endswith(b"data: [DONE]")


def test_http_1_0_keep_alive_with_a_length_stays_open(demo):
    import json
    with connect(demo) as sock:
        for _ in range(2):
            sock.sendall(b"GET /healthz HTTP/1.0\r\nconnection: keep-alive\r\n\r\n")
            raw = b""
            while b"\r\n\r\n" not in raw:
                raw += sock.recv(65536)
            status, headers, body = split_response(raw)
            while len(body) < int(headers["content-length"]):
                body += sock.recv(65536)
            assert status == "HTTP/1.0 200 OK" and headers["connection"] == "keep-alive"
            assert json.loads(body)


# --- connections: time limits, the cap, descriptor exhaustion ---------------------------------

LIMITS = {"header_timeout_ms": 1000, "body_timeout_ms": 1000, "idle_timeout_ms": 1500, "max_connections": 40}


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    from conftest import mock_provider
    mock = mock_provider("alpha")
    tmp = tmp_path_factory.mktemp("limited")
    gateway, key, routes_dir = serve_over(tmp, {"alpha": ("openai", mock.url)},
                                          [{"name": "chat", "targets": ["alpha/alpha-model"]}], server=LIMITS)
    yield gateway, key
    gateway.stop()
    mock.stop()


def well_behaved(gateway, key):
    client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0, timeout=10)
    return client.chat.completions.create(model="chat", messages=QUESTION).choices[0].message.content


def read_until_closed(sock, timeout):
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (socket.timeout, ConnectionResetError):
        return data, False
    return data, True


def test_slow_headers_get_408_and_are_closed(limited):
    import json
    gateway, key = limited
    with connect(gateway) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n")
        started = time.monotonic()
        for _ in range(3):  # a slowloris trickles bytes, which must not extend the limit
            time.sleep(0.4)
            try:
                sock.sendall(b"x-slow: 1\r\n")
            except OSError:
                break
        data, closed = read_until_closed(sock, 5)
        assert closed and time.monotonic() - started < 3
    status, headers, body = split_response(data)
    assert status.startswith("HTTP/1.1 408")
    assert json.loads(body)["error"]["code"] == "request_timeout"
    assert well_behaved(gateway, key)


def test_a_slow_body_gets_408_and_is_closed(limited):
    gateway, key = limited
    with connect(gateway) as sock:
        sock.sendall(chat_request(key, CHAT)[:-10])  # head complete, the body stops short
        started = time.monotonic()
        data, closed = read_until_closed(sock, 5)
        assert closed and 0.8 < time.monotonic() - started < 3
    assert split_response(data)[0].startswith("HTTP/1.1 408")
    assert well_behaved(gateway, key)


def test_idle_connections_are_closed_quietly(limited):
    gateway, key = limited
    with connect(gateway) as fresh, connect(gateway) as kept:
        # A kept-alive connection after one request, and a connection that never sends.
        kept.sendall(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        time.sleep(0.2)
        assert kept.recv(65536).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        data, closed = read_until_closed(kept, 5)
        assert closed and data == b"" and 1.2 < time.monotonic() - started < 3
        data, closed = read_until_closed(fresh, 5)
        assert closed and data == b""


def test_past_the_connection_cap_new_connections_get_503_at_once(limited):
    import json
    gateway, key = limited
    held = []
    try:
        for _ in range(LIMITS["max_connections"]):
            held.append(connect(gateway))
        time.sleep(0.2)
        started = time.monotonic()
        with connect(gateway) as extra:
            data, closed = read_until_closed(extra, 5)
        assert time.monotonic() - started < 1, "refused quickly, never left hanging"
        status, headers, body = split_response(data)
        assert status.startswith("HTTP/1.1 503") and headers["retry-after"] == "1"
        assert "max_connections" in json.loads(body)["error"]["message"]
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)
    assert well_behaved(gateway, key)


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_descriptor_exhaustion_refuses_new_connections_without_spinning(tmp_path):
    """A gateway with 160 descriptors under a flood of 600 connections: the excess gets 503, the
    process stays idle rather than spinning, and a well-behaved client is served once the flood's
    connections time out."""
    import threading
    from conftest import mock_provider
    mock = mock_provider("alpha")
    routes = [{"name": "chat", "targets": ["alpha/alpha-model"]}]
    limited_gateway, key, _ = serve_over(tmp_path, {"alpha": ("openai", mock.url)}, routes,
                                         server={"header_timeout_ms": 2000, "max_connections": 100000},
                                         prefix=["prlimit", "--nofile=160:160", "--"])
    try:
        assert "held to 48" in limited_gateway.log
        assert well_behaved(limited_gateway, key)
        flood, refused = [], 0
        before = cpu_seconds(limited_gateway.proc.pid)
        started = time.monotonic()
        for _ in range(600):
            try:
                sock = connect(limited_gateway)
                flood.append(sock)
            except OSError:
                refused += 1
        # Every flood connection ends: 503 at once past the cap, quietly at the header timeout within it.
        answers = {}
        deadline = time.monotonic() + 8
        while len(answers) < len(flood) and time.monotonic() < deadline:
            for index, sock in enumerate(flood):
                if index in answers:
                    continue
                sock.settimeout(0.005)
                try:
                    answers[index] = sock.recv(64)
                except socket.timeout:
                    pass
                except OSError:
                    answers[index] = b""
        refused += sum(1 for data in answers.values() if data.startswith(b"HTTP/1.1 503"))
        assert len(answers) == len(flood), "a flood connection was left hanging"
        # 48 at a time are admitted (and time out quietly); as they do, more of the queue gets in.
        assert refused >= 600 - 4 * 48, refused
        # Within the header timeout the flood's admitted connections are dropped: a client gets in.
        answered = None
        deadline = time.monotonic() + 8
        while answered is None and time.monotonic() < deadline:
            try:
                answered = well_behaved(limited_gateway, key)
            except openai.APIError:
                time.sleep(0.2)
        assert answered
        busy = cpu_seconds(limited_gateway.proc.pid) - before
        wall = time.monotonic() - started
        assert busy < 0.5 * wall, f"{busy:.2f} s of CPU in {wall:.2f} s: the gateway spun"
        for sock in flood:
            sock.close()
        assert limited_gateway.proc.poll() is None
    finally:
        limited_gateway.stop()
        mock.stop()


def test_a_start_that_fails_after_opening_the_ledger_exits_with_the_error_not_a_crash(tmp_path):
    import subprocess
    from conftest import mock_provider
    mock = mock_provider("alpha")
    first, _, routes_dir = serve_over(tmp_path, {"alpha": ("openai", mock.url)}, [{"name": "chat", "targets": ["alpha/alpha-model"]}])
    try:
        # The same journal is locked by the first gateway: the second stops with that error.
        second = subprocess.run([BIN, "serve", "--routes", str(routes_dir), "--port", "0", "--offline", "off"], cwd=tmp_path,
                                env=dict(os.environ, MOCK_KEY="k", TEST_ADMIN_KEY=ADMIN_KEY), capture_output=True,
                                text=True, timeout=60)
        assert second.returncode == 1, second.stderr[-2000:]
        assert "journal" in (second.stdout + second.stderr).lower()
        assert "crashed" not in second.stderr and "Assertion failed" not in second.stderr
    finally:
        first.stop()
        mock.stop()


# --- authentication: guessing is throttled, admin keys are long --------------------------------

def request_from(gateway, source_ip, path, key, body=None):
    """One HTTP request from a chosen loopback source address; returns (status, headers, body)."""
    import http.client
    host, port = gateway.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10, source_address=(source_ip, 0))
    try:
        headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
        connection.request("POST" if body else "GET", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_failed_authentication_is_throttled_per_address(demo):
    import json
    attacker, bystander = "127.0.0.2", "127.0.0.3"
    statuses = [request_from(demo, attacker, "/v1/chat/completions", f"sy-guess-{n}", CHAT)[0] for n in range(25)]
    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}
    status, headers, body = request_from(demo, attacker, "/v1/chat/completions", DEMO_KEY, CHAT)
    assert status == 429 and int(headers["retry-after"]) >= 1, "even a right key waits: the address is out of attempts"
    assert "failed authentication" in json.loads(body)["error"]["message"]
    # Another address is not affected; admin-key guesses count the same way.
    assert request_from(demo, bystander, "/v1/chat/completions", DEMO_KEY, CHAT)[0] == 200
    admin = [request_from(demo, "127.0.0.4", "/admin/keys", f"wrong-admin-key-{n}")[0] for n in range(22)]
    assert admin[:20] == [401] * 20 and admin[20:] == [429, 429]
    time.sleep(2.1)  # one attempt a second comes back
    assert request_from(demo, attacker, "/v1/chat/completions", DEMO_KEY, CHAT)[0] == 200


def test_a_short_admin_key_is_refused_by_config_check_and_serve(tmp_path):
    import subprocess
    import yaml
    routes = tmp_path / "Routes"
    routes.mkdir()
    config = {"ledger": f"sqlite:{tmp_path / 'ledger.db'}", "admin_key": "env:SHORT_ADMIN_KEY",
              "providers": [{"name": "local", "dialect": "openai", "base_url": "http://127.0.0.1:9/v1",
                             "models": [{"name": "m", "input_per_mtok": 0, "output_per_mtok": 0, "currency": "USD"}]}],
              "routes": [{"name": "chat", "targets": ["local/m"]}], "tenants": [{"name": "demo"}]}
    (routes / "gateway.yaml").write_text(yaml.safe_dump(config))
    env = dict(os.environ, SHORT_ADMIN_KEY="admin123")
    check = subprocess.run([BIN, "config", "check", "--routes", str(routes)], env=env, capture_output=True, text=True)
    assert check.returncode != 0 and "at least 32 characters" in check.stderr and "admin123" not in check.stderr
    serve = subprocess.run([BIN, "serve", "--routes", str(routes), "--port", "0"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)
    assert serve.returncode != 0 and "at least 32 characters" in serve.stdout + serve.stderr
    # A literal in Routes/ is checked when the file is read, with its line.
    config["admin_key"] = "tooshort"
    (routes / "gateway.yaml").write_text(yaml.safe_dump(config))
    check = subprocess.run([BIN, "config", "check", "--routes", str(routes)], capture_output=True, text=True)
    assert check.returncode != 0 and "gateway.yaml:" in check.stderr and "admin_key" in check.stderr
    # 32 characters is enough.
    env["SHORT_ADMIN_KEY"] = "a" * 32
    config["admin_key"] = "env:SHORT_ADMIN_KEY"
    (routes / "gateway.yaml").write_text(yaml.safe_dump(config))
    assert subprocess.run([BIN, "config", "check", "--routes", str(routes)], env=env, capture_output=True).returncode == 0


# --- a provider that resets the connection -------------------------------------------------------

class ResettingProvider:
    """Accepts, reads a request, then resets the connection (RST), as a crashed provider host does."""

    def __init__(self):
        import struct
        import threading
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.requests = 0
        self.linger = struct.pack("ii", 1, 0)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            connection.settimeout(5)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    data += connection.recv(65536)
                self.requests += 1
            except OSError:
                pass
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, self.linger)
            connection.close()

    def stop(self):
        self.server.close()


def test_a_provider_that_resets_the_connection_leaves_a_record_and_says_so(tmp_path):
    import json
    from conftest import mock_provider
    resetter, alpha = ResettingProvider(), mock_provider("alpha")
    gateway, key, routes_dir = serve_over(
        tmp_path, {"resetter": ("openai", resetter.url), "alpha": ("openai", alpha.url)},
        [{"name": "only", "targets": ["resetter/resetter-model"]},
         {"name": "fallback", "targets": ["resetter/resetter-model", "alpha/alpha-model"]}])
    try:
        answer = post(gateway, "/v1/chat/completions", {"model": "only", "messages": QUESTION}, key=key)
        assert answer.status_code == 502
        message = answer.json()["error"]["message"]
        assert "reset the connection" in message and "cannot connect" not in message
        client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0)
        raw = client.chat.completions.with_raw_response.create(model="fallback", messages=QUESTION)
        assert raw.headers["x-switchyard-provider"] == "alpha" and raw.headers["x-switchyard-attempts"] == "2"
        assert resetter.requests == 2, "both requests reached the provider"
        records = ledger_records(routes_dir, lambda r: r["provider"] == "resetter", count=2)
        assert [(r["outcome"], r["status"]) for r in records] == [("failed", 502)] * 2
        fell_back = ledger_records(routes_dir, lambda r: r["request_id"] == raw.headers["x-switchyard-request-id"], count=2)
        assert sorted(r["provider"] for r in fell_back) == ["alpha", "resetter"]
    finally:
        gateway.stop()
        alpha.stop()
        resetter.stop()


# --- a client that leaves mid-stream ---------------------------------------------------------------

@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    """A provider that sends its first chunk, thinks for 6 s, then streams 20 tokens."""
    from conftest import mock_provider
    mock = mock_provider("slow", "--ttft-ms", "6000", "--output-tokens", "20")
    tmp = tmp_path_factory.mktemp("slow")
    gateway, key, routes_dir = serve_over(tmp, {"slow": ("openai", mock.url)},
                                          [{"name": "chat", "targets": ["slow/slow-model"]}])
    yield gateway, key, routes_dir
    gateway.stop()
    mock.proc.kill()  # its abandoned 6-second answer would keep a graceful stop waiting


def test_a_client_leaving_mid_stream_cancels_the_upstream_at_once_and_is_billed_for_what_it_got(slow):
    gateway, key, routes_dir = slow
    body = b'{"model":"chat","stream":true,"messages":[{"role":"user","content":"Hello"}]}'
    with connect(gateway) as sock:
        sock.sendall(chat_request(key, body))
        received = b""
        while b"data: " not in received:  # the role chunk; the provider is now silent for 6 s
            received += sock.recv(65536)
        left = time.monotonic()
    # The gateway notices at once — not at the provider's next chunk 6 s later.
    deadline = time.monotonic() + 5
    while "client disconnected; upstream cancelled" not in gateway.log and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "client disconnected; upstream cancelled" in gateway.log
    assert time.monotonic() - left < 1.5
    records = ledger_records(routes_dir, lambda r: r["outcome"] == "client_gone")
    assert len(records) == 1
    record = records[0]
    assert record["status"] == 200 and record["total_ms"] < 3000, "the attempt ended when the client left"
    assert record["output_tokens"] < 20 and record["usage_source"] == "estimated", "billed for what was sent"


def test_a_kept_alive_connection_carries_requests_after_a_stream(demo):
    import http.client
    import json
    host, port = demo.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    body = json.dumps({"model": "chat", "stream": True, "messages": QUESTION})
    for _ in range(3):
        connection.request("POST", "/v1/chat/completions", body=body,
                           headers={"authorization": f"Bearer {DEMO_KEY}", "content-type": "application/json"})
        response = connection.getresponse()
        assert response.status == 200 and response.read().rstrip().endswith(b"data: [DONE]")
    connection.close()


# --- the graceful-shutdown deadline ---------------------------------------------------------------

def test_at_the_shutdown_deadline_waiting_requests_get_503_or_an_error_event(tmp_path):
    import json
    import signal
    import threading
    from conftest import mock_provider
    stalled = mock_provider("stalled", "--latency-ms", "30000")          # no answer head for 30 s
    thinking = mock_provider("thinking", "--ttft-ms", "30000")           # a first chunk, then 30 s of silence
    gateway, key, routes_dir = serve_over(
        tmp_path, {"stalled": ("openai", stalled.url), "thinking": ("openai", thinking.url)},
        [{"name": "stalled", "targets": ["stalled/stalled-model"]}, {"name": "thinking", "targets": ["thinking/thinking-model"]}],
        read_timeout_ms=60000, server={"shutdown_timeout_ms": 4000})
    results = {}

    def ask_json():
        results["json"] = post(gateway, "/v1/chat/completions", {"model": "stalled", "messages": QUESTION}, key=key)

    def ask_stream():
        body = b'{"model":"thinking","stream":true,"messages":[{"role":"user","content":"Hello"}]}'
        results["stream"] = exchange(gateway, chat_request(key, body), read_timeout=20)

    try:
        threads = [threading.Thread(target=ask_json), threading.Thread(target=ask_stream)]
        for thread in threads:
            thread.start()
        time.sleep(1)  # both are waiting on their providers
        stopped = time.monotonic()
        gateway.proc.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join(15)
        assert gateway.proc.wait(15) == 0, gateway.log[-3000:]
        assert time.monotonic() - stopped < 6, "the gateway stopped within shutdown_timeout_ms"
        answer = results["json"]
        assert answer.status_code == 503 and "shutting down" in answer.json()["error"]["message"]
        status, _, body = split_response(results["stream"])
        assert status == "HTTP/1.1 200 OK"
        last = [line for line in body.split(b"\n") if line.startswith(b"data: ")][-1]
        assert "shutting down" in json.loads(last[6:])["error"]["message"]
        records = {r["provider"]: r for r in ledger_records(routes_dir, count=2)}
        assert (records["stalled"]["outcome"], records["stalled"]["status"]) == ("failed", 503)
        assert records["thinking"]["outcome"] == "interrupted"
    finally:
        if gateway.proc.poll() is None:
            gateway.stop()
        stalled.proc.kill()
        thinking.proc.kill()


# --- route explain shows what really happens -------------------------------------------------------

def test_explains_order_is_the_order_the_proxy_tries(tmp_path):
    from conftest import mock_provider
    broken, flaky, good = mock_provider("broken", "--fail-rate", "1"), mock_provider("flaky", "--fail-rate", "1"), mock_provider("good")
    gateway, key, routes_dir = serve_over(
        tmp_path, {"broken": ("openai", broken.url), "flaky": ("openai", flaky.url), "good": ("openai", good.url)},
        [{"name": "chain", "targets": ["broken/broken-model", "flaky/flaky-model", "good/good-model"]},
         {"name": "direct", "targets": ["broken/broken-model"]}])
    try:
        def explain():
            answer = post(gateway, "/admin/route/explain", {"model": "chain"}, key=ADMIN_KEY)
            assert answer.status_code == 200, answer.body
            candidates = answer.json()["candidates"]
            return [c["target"].split("/")[0] for c in sorted((c for c in candidates if c["attempt"]), key=lambda c: c["attempt"])], candidates

        def tried(request_id, attempts):
            records = ledger_records(routes_dir, lambda r: r["request_id"] == request_id, count=attempts)
            return [r["provider"] for r in sorted(records, key=lambda r: int(r["id"].rsplit("-", 1)[1]))]

        client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0)
        # All circuits closed: explain's order is the order of the attempts.
        order, _ = explain()
        raw = client.chat.completions.with_raw_response.create(model="chain", messages=QUESTION)
        assert tried(raw.headers["x-switchyard-request-id"], 3) == order == ["broken", "flaky", "good"]
        # Open broken's circuit (3 failures): explain leaves it out with the reason, and so does the proxy.
        for _ in range(2):
            post(gateway, "/v1/chat/completions", {"model": "direct", "messages": QUESTION}, key=key)
        order, candidates = explain()
        assert order == ["flaky", "good"]
        excluded = {c["target"]: c["excluded_because"] for c in candidates if c["attempt"] is None}
        assert excluded["broken/broken-model"].startswith("circuit open for ")
        raw = client.chat.completions.with_raw_response.create(model="chain", messages=QUESTION)
        assert raw.headers["x-switchyard-attempts"] == "2"
        assert tried(raw.headers["x-switchyard-request-id"], 2) == order
    finally:
        gateway.stop()
        for mock in (broken, flaky, good):
            mock.stop()


def test_a_burst_of_3000_connections_is_served_whole(demo):
    """3,000 clients connecting at once: the listen backlog (server.backlog, 4096) holds them
    until they are accepted; every one gets its answer, none is reset."""
    import resource
    import selectors
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 3500:
        pytest.skip(f"needs 3,500 descriptors for the client side (hard limit {hard})")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 3500), hard))
    host, port = demo.url.removeprefix("http://").split(":")
    selector = selectors.DefaultSelector()
    sockets = []
    try:
        for _ in range(3000):
            sock = socket.socket()
            sock.setblocking(False)
            sock.connect_ex((host, int(port)))
            sockets.append(sock)
            selector.register(sock, selectors.EVENT_WRITE, data=b"")
        answered, failed = 0, 0
        deadline = time.monotonic() + 60
        while answered + failed < len(sockets) and time.monotonic() < deadline:
            for key, events in selector.select(timeout=1):
                sock = key.fileobj
                if events & selectors.EVENT_WRITE:
                    if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        failed += 1
                        selector.unregister(sock)
                        continue
                    sock.send(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                    selector.modify(sock, selectors.EVENT_READ, data=b"")
                else:
                    try:
                        chunk = sock.recv(65536)
                    except OSError:
                        failed += 1
                        selector.unregister(sock)
                        continue
                    data = key.data + chunk
                    if chunk:
                        selector.modify(sock, selectors.EVENT_READ, data=data)
                        continue
                    selector.unregister(sock)
                    if data.startswith(b"HTTP/1.1 200"):
                        answered += 1
                    else:
                        failed += 1
        assert (answered, failed) == (3000, 0)
    finally:
        for sock in sockets:
            sock.close()
        selector.close()
    assert alive(demo)
