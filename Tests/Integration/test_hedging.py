"""Hedging (`hedge_after_ms`) against a slow mock: the tail is cut, the hedge wins, the slow
attempt was started and then cancelled."""
import json
import os
import tempfile
import time
from pathlib import Path

import openai
import pytest
import yaml

from conftest import BIN, Process, create_key, mock_provider, raw_request

QUESTION = [{"role": "user", "content": "Is the grid stable tonight?"}]
SLOW_MS = 1500


@pytest.fixture(scope="module")
def stack():
    mocks = {"sluggish": mock_provider("sluggish", "--latency-ms", str(SLOW_MS)), "quick": mock_provider("quick", "--latency-ms", "5")}
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-hedging-"))
    routes = tmp / "Routes"
    routes.mkdir()
    targets = ["sluggish/sluggish-model", "quick/quick-model"]
    (routes / "gateway.yaml").write_text(yaml.safe_dump({
        "ledger": f"sqlite:{tmp / 'ledger.db'}",
        "providers": [
            {"name": name, "dialect": "openai", "base_url": mock.url + "/v1", "api_key": "env:MOCK_KEY",
             "models": [{"name": f"{name}-model", "input_per_mtok": 1, "output_per_mtok": 2, "currency": "USD"}]}
            for name, mock in mocks.items()
        ],
        "routes": [
            {"name": "plain", "targets": targets},
            {"name": "hedged", "hedge_after_ms": 100, "targets": targets},
        ],
        "tenants": [{"name": "demo"}],
    }, sort_keys=False))
    key = create_key(routes)["key"]
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off"], cwd=tmp,
                      env=dict(os.environ, MOCK_KEY="k"))
    time.sleep(0.1)
    yield {"gateway": gateway, "mocks": mocks,
           "client": openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0)}
    gateway.stop()
    for mock in mocks.values():
        mock.stop()


def received(stack, name):
    return json.loads(raw_request("GET", stack["mocks"][name].url + "/mock/requests").body)["total"]


def timed(call):
    started = time.monotonic()
    result = call()
    return result, (time.monotonic() - started) * 1000


def test_without_hedging_every_request_waits_for_the_slow_target(stack):
    raw, elapsed = timed(lambda: stack["client"].chat.completions.with_raw_response.create(model="plain", messages=QUESTION))
    assert raw.headers["x-switchyard-provider"] == "sluggish"
    assert elapsed >= SLOW_MS


def test_hedging_cuts_the_tail_and_cancels_the_loser(stack):
    sluggish_before = received(stack, "sluggish")
    latencies = []
    for _ in range(5):
        raw, elapsed = timed(lambda: stack["client"].chat.completions.with_raw_response.create(model="hedged", messages=QUESTION))
        assert raw.headers["x-switchyard-provider"] == "quick"
        assert raw.headers["x-switchyard-hedged"] == "won"
        assert raw.parse().choices[0].message.content.startswith("[quick]")
        latencies.append(elapsed)
    # Each request started on the slow target (it was tried first every time: a cancelled
    # hedge loser doesn't count as a failure) and was answered by the hedge.
    assert received(stack, "sluggish") == sluggish_before + 5
    assert max(latencies) < SLOW_MS / 2, latencies
    assert "the other attempt is cancelled" in stack["gateway"].log


def test_hedged_streams_too(stack):
    def stream():
        chunks = stack["client"].chat.completions.create(model="hedged", messages=QUESTION, stream=True)
        return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    text, elapsed = timed(stream)
    assert text.startswith("[quick]")
    assert elapsed < SLOW_MS / 2
