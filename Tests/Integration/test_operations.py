"""Operating a running gateway: explain over the admin API (live latency and circuit state),
hot reload of Routes/ (file edits and SIGHUP) without dropping requests in flight."""
import json
import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import openai
import pytest
import yaml

from conftest import BIN, Process, create_key, mock_provider, raw_request
from openapi_contract import validate

QUESTION = [{"role": "user", "content": "How much did we spend?"}]
ADMIN_KEY = "sy-admin-test-secret-0123456789abcdef"


def write_config(routes, mocks, chat_target, extra_routes=()):
    (routes / "gateway.yaml").write_text(yaml.safe_dump({
        "ledger": f"sqlite:{routes.parent / 'ledger.db'}",
        "admin_key": "env:TEST_ADMIN_KEY",
        "providers": [
            {"name": name, "dialect": "openai", "base_url": mock.url + "/v1", "api_key": "env:MOCK_KEY",
             "models": [{"name": f"{name}-model", "input_per_mtok": 1, "output_per_mtok": 2, "currency": "USD"}]}
            for name, mock in mocks.items()
        ],
        "routes": [{"name": "chat", "targets": [f"{chat_target}/{chat_target}-model"]},
                   {"name": "flaky", "targets": ["broken/broken-model", "alpha/alpha-model"]}, *extra_routes],
        "tenants": [{"name": "demo"}],
    }, sort_keys=False))


@pytest.fixture(scope="module")
def operated():
    mocks = {
        "alpha": mock_provider("alpha", "--tokens-per-second", "20", "--output-tokens", "30"),
        "beta": mock_provider("beta"),
        "broken": mock_provider("broken", "--fail-rate", "1"),
    }
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-operations-"))
    routes = tmp / "Routes"
    routes.mkdir()
    write_config(routes, mocks, "alpha")
    key = create_key(routes)["key"]
    env = dict(os.environ, MOCK_KEY="k", TEST_ADMIN_KEY=ADMIN_KEY)
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off",
                       "--reload-check-ms", "200"], cwd=tmp, env=env)
    yield {"gateway": gateway, "mocks": mocks, "routes": routes, "key": key, "env": env, "tmp": tmp,
           "client": openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0)}
    gateway.stop()
    for mock in mocks.values():
        mock.stop()


def explain(operated, body, key=ADMIN_KEY):
    headers = {"content-type": "application/json"}
    if key:
        headers["authorization"] = f"Bearer {key}"
    return raw_request("POST", operated["gateway"].url + "/admin/route/explain", json.dumps(body).encode(), headers)


def wait_for(predicate, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_admin_explain_needs_the_admin_key(operated):
    assert explain(operated, {"model": "chat"}, key=None).status_code == 401
    wrong = explain(operated, {"model": "chat"}, key=operated["key"])
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_admin_key"
    validate(wrong.json(), "ErrorResponse")
    assert ADMIN_KEY not in operated["gateway"].log


def test_admin_explain_reports_bad_input_in_openai_errors(operated):
    missing = explain(operated, {"tenant": "demo"})
    assert missing.status_code == 400 and missing.json()["error"]["param"] == "model"
    unknown = explain(operated, {"model": "nope"})
    assert unknown.status_code == 404
    assert explain(operated, {"model": "chat", "tenant": "ghost"}).status_code == 400
    assert explain(operated, {"model": "chat", "prompt_tokens": -1}).status_code == 400


def test_admin_explain_shows_live_latency_and_open_circuits(operated):
    client = operated["client"]
    for _ in range(3):
        raw = client.chat.completions.with_raw_response.create(model="flaky", messages=QUESTION)
        assert raw.headers["x-switchyard-provider"] == "alpha"
    answer = explain(operated, {"model": "flaky", "prompt_tokens": 500, "max_tokens": 100})
    assert answer.status_code == 200
    body = answer.json()
    candidates = {c["target"]: c for c in body["candidates"]}
    assert body["chosen"] == "alpha/alpha-model"
    assert candidates["alpha/alpha-model"]["health"] == "closed"
    assert candidates["alpha/alpha-model"]["measured_latency_ms"] > 0
    assert candidates["alpha/alpha-model"]["expected_cost"] == pytest.approx((500 * 1 + 100 * 2) / 1e6)
    broken = candidates["broken/broken-model"]
    assert broken["attempt"] is None
    assert broken["excluded_because"].startswith("circuit open for ")
    assert "3 failures in a row" in broken["excluded_because"]


def test_an_edit_reloads_without_dropping_a_request_in_flight(operated):
    client = operated["client"]
    assert client.chat.completions.with_raw_response.create(model="chat", messages=QUESTION).headers["x-switchyard-provider"] == "alpha"
    streamed = {}

    def slow_stream():  # alpha sends 30 tokens at 20/s: about 1.5 s
        chunks = client.chat.completions.create(model="chat", messages=QUESTION, stream=True)
        pieces, finish = [], None
        for chunk in chunks:
            if chunk.choices:
                pieces.append(chunk.choices[0].delta.content or "")
                finish = chunk.choices[0].finish_reason or finish
        streamed.update(text="".join(pieces), finish=finish)

    worker = threading.Thread(target=slow_stream)
    worker.start()
    time.sleep(0.3)
    write_config(operated["routes"], operated["mocks"], "beta")
    assert wait_for(lambda: "configuration reloaded (a file under Routes/ changed)" in operated["gateway"].log)
    assert client.chat.completions.with_raw_response.create(model="chat", messages=QUESTION).headers["x-switchyard-provider"] == "beta"
    worker.join(15)
    assert streamed["finish"] == "stop"
    assert streamed["text"].startswith("[alpha]") and len(streamed["text"].split()) == 30


def test_an_invalid_edit_is_rejected_and_the_running_config_kept(operated):
    before = operated["gateway"].log.count("configuration reload rejected")
    (operated["routes"] / "broken.yaml").write_text("routes:\n  - { name: extra, strategy: fastest, targets: [nobody/none] }\n")
    assert wait_for(lambda: operated["gateway"].log.count("configuration reload rejected") > before)
    log = operated["gateway"].log
    assert "broken.yaml:2:" in log and "nobody/none" in log
    raw = operated["client"].chat.completions.with_raw_response.create(model="chat", messages=QUESTION)
    assert raw.headers["x-switchyard-provider"] == "beta"
    reloaded = operated["gateway"].log.count("configuration reloaded")
    (operated["routes"] / "broken.yaml").unlink()
    assert wait_for(lambda: operated["gateway"].log.count("configuration reloaded") > reloaded)


def test_a_file_caught_half_written_is_never_served(operated):
    # Truncated, then filled 150 ms later (of the 200 ms check interval), as a slow `cat > file`
    # would: a check lands in between three times in four. An empty gateway.yaml is a valid
    # configuration with no routes; it must never be served.
    path = operated["routes"] / "gateway.yaml"
    full = path.read_text()
    before = operated["gateway"].log.count("configuration reloaded")
    for _ in range(4):
        with path.open("w") as file:
            file.flush()
            time.sleep(0.15)
            file.write(full)
        time.sleep(0.3)
    assert wait_for(lambda: operated["gateway"].log.count("configuration reloaded") > before)
    time.sleep(0.5)
    reloads = operated["gateway"].log.split("configuration reloaded")[before + 1:]
    assert reloads and all(": 0 providers" not in line.split("\n")[0] for line in reloads)
    raw = operated["client"].chat.completions.with_raw_response.create(model="chat", messages=QUESTION)
    assert raw.headers["x-switchyard-provider"] == "beta"


def test_sighup_reloads_when_file_watching_is_off(operated):
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-sighup-"))
    routes = tmp / "Routes"
    routes.mkdir()
    write_config(routes, operated["mocks"], "alpha")
    key = create_key(routes)["key"]
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off",
                       "--reload-check-ms", "0"], cwd=tmp, env=operated["env"])
    try:
        client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0)
        write_config(routes, operated["mocks"], "beta")
        time.sleep(0.5)
        assert client.chat.completions.with_raw_response.create(model="chat", messages=QUESTION).headers["x-switchyard-provider"] == "alpha"
        gateway.proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "configuration reloaded (SIGHUP)" in gateway.log)
        assert client.chat.completions.with_raw_response.create(model="chat", messages=QUESTION).headers["x-switchyard-provider"] == "beta"
    finally:
        gateway.stop()


def free_port():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_circuit_opens_on_failures_and_recovers_after_its_cooldown(operated):
    port = free_port()
    gamma = Process([BIN, "mock-provider", "--port", str(port), "--name", "gamma"])
    mocks = dict(operated["mocks"], gamma=gamma)
    route = {"name": "recovering", "targets": ["gamma/gamma-model", "beta/beta-model"]}
    before = operated["gateway"].log.count("configuration reloaded")
    write_config(operated["routes"], mocks, "beta", extra_routes=[route])
    assert wait_for(lambda: operated["gateway"].log.count("configuration reloaded") > before)
    client = operated["client"]
    try:
        assert client.chat.completions.with_raw_response.create(model="recovering", messages=QUESTION).headers["x-switchyard-provider"] == "gamma"
        gamma.stop()  # down: connections refused
        attempts = [client.chat.completions.with_raw_response.create(model="recovering", messages=QUESTION).headers["x-switchyard-attempts"]
                    for _ in range(5)]
        assert attempts == ["2", "2", "2", "1", "1"]  # three failures open the circuit; then gamma is skipped
        health = {c["target"]: c["health"] for c in explain(operated, {"model": "recovering"}).json()["candidates"]}
        assert health["gamma/gamma-model"].startswith("open for ")
        gamma = Process([BIN, "mock-provider", "--port", str(port), "--name", "gamma"])  # back up
        time.sleep(5.3)  # the first cool-down is 5 s; then one probe request tests it
        raw = client.chat.completions.with_raw_response.create(model="recovering", messages=QUESTION)
        assert raw.headers["x-switchyard-provider"] == "gamma"
        health = {c["target"]: c["health"] for c in explain(operated, {"model": "recovering"}).json()["candidates"]}
        assert health["gamma/gamma-model"] == "closed"
    finally:
        gamma.stop()
