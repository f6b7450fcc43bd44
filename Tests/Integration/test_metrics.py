"""GET /metrics after real SDK traffic, parsed with prometheus_client's own parser: the GenAI token
histograms and the cost counter equal the ledger's totals for the same requests; fallbacks show as a
failed and a completed attempt; made-up model names create no series; the token is required when set."""
import json
from concurrent.futures import ThreadPoolExecutor
import os
import tempfile
import time
from pathlib import Path

import anthropic
import openai
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from conftest import BIN, Process, create_key, ledger_records, mock_provider, raw_request

TOKEN = "metrics-scrape-token-0123456789"


@pytest.fixture(scope="module")
def observed():
    alpha = mock_provider("alpha", "--output-tokens", "7")
    broken = mock_provider("broken", "--fail-rate", "1")
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-metrics-"))
    routes = tmp / "Routes"
    routes.mkdir()
    (routes / "gateway.yaml").write_text(yaml.safe_dump({
        "ledger": f"sqlite:{tmp / 'ledger.db'}",
        "server": {"metrics_token": "env:TEST_METRICS_TOKEN"},
        "providers": [
            {"name": name, "dialect": "openai", "base_url": mock.url + "/v1", "api_key": "env:MOCK_KEY",
             "models": [{"name": f"{name}-model", "input_per_mtok": 1, "output_per_mtok": 2, "currency": "USD"},
                        {"name": f"{name}-embed", "kind": "embedding", "dimensions": 64, "input_per_mtok": 1,
                         "output_per_mtok": 0, "currency": "USD"}]}
            for name, mock in (("alpha", alpha), ("broken", broken))
        ],
        "routes": [
            {"name": "chat", "targets": ["alpha/alpha-model"]},
            {"name": "resilient", "targets": ["broken/broken-model", "alpha/alpha-model"]},
            {"name": "embed", "targets": ["alpha/alpha-embed"]},
        ],
        "tenants": [{"name": "demo"}, {"name": "limited", "limits": {"rpm": 1}}],
    }, sort_keys=False))
    key = create_key(routes)["key"]
    limited = create_key(routes, "limited")["key"]
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off"], cwd=tmp,
                      env=dict(os.environ, MOCK_KEY="sk-mock", TEST_METRICS_TOKEN=TOKEN))
    time.sleep(0.1)
    yield {"gateway": gateway, "key": key, "limited": limited, "routes": routes}
    for process in (gateway, alpha, broken):
        process.stop()


def scrape(observed, token=TOKEN):
    response = raw_request("GET", observed["gateway"].url + "/metrics",
                           headers={"authorization": f"Bearer {token}"} if token else {})
    return response


def samples(text, name):
    """Every sample of the metric family `name`, as (sample name, labels, value)."""
    for family in text_string_to_metric_families(text):
        if family.name == name:
            return [(s.name, s.labels, s.value) for s in family.samples]
    return []


def test_token_and_cost_metrics_equal_the_ledger(observed):
    base = observed["gateway"].url
    client = openai.OpenAI(base_url=base + "/v1", api_key=observed["key"], max_retries=0)
    client.chat.completions.create(model="chat", messages=[{"role": "user", "content": "hello there"}])
    for chunk in client.chat.completions.create(model="chat", messages=[{"role": "user", "content": "a stream"}],
                                                stream=True):
        pass
    anthropic.Anthropic(base_url=base, api_key=observed["key"], max_retries=0).messages.create(
        model="chat", max_tokens=32, messages=[{"role": "user", "content": "from claude's SDK"}])
    client.embeddings.create(model="embed", input=["one text", "another text"])
    records = ledger_records(observed["routes"], lambda r: r["outcome"] == "completed", count=4)
    text = scrape(observed).body.decode()

    usage = samples(text, "gen_ai_client_token_usage")
    def total(token_type, operation=None):
        return sum(value for name, labels, value in usage if name.endswith("_sum")
                   and labels["gen_ai_token_type"] == token_type
                   and (operation is None or labels["gen_ai_operation_name"] == operation))
    assert total("input") == sum(r["input_tokens"] for r in records)
    assert total("output") == sum(r["output_tokens"] for r in records)
    assert total("input", "embeddings") == sum(r["input_tokens"] for r in records if r["operation"] == "embeddings") > 0
    cost = sum(value for _, labels, value in samples(text, "switchyard_cost") if labels["tenant"] == "demo")
    assert abs(cost - sum(r["cost"] for r in records)) < 1e-9
    labels = [labels for name, labels, _ in usage if name.endswith("_count")]
    assert {l["gen_ai_provider_name"] for l in labels} == {"alpha"}
    assert {l["gen_ai_request_model"] for l in labels} == {"chat", "embed"}
    durations = samples(text, "gen_ai_client_operation_duration_seconds")
    assert sum(v for n, _, v in durations if n.endswith("_count")) == len(records)
    ttft = samples(text, "gen_ai_server_time_to_first_token_seconds")
    assert sum(v for n, _, v in ttft if n.endswith("_count")) == 1  # the one stream


def test_a_fallback_shows_a_failed_and_a_completed_attempt(observed):
    client = openai.OpenAI(base_url=observed["gateway"].url + "/v1", api_key=observed["key"], max_retries=0)
    client.chat.completions.create(model="resilient", messages=[{"role": "user", "content": "hi"}])
    attempts = samples(scrape(observed).body.decode(), "switchyard_attempts")
    resilient = {(labels["provider"], labels["outcome"]): value for _, labels, value in attempts
                 if labels["route"] == "resilient"}
    assert resilient[("broken", "failed")] >= 1 and resilient[("alpha", "completed")] >= 1


def test_requests_are_counted_by_outcome_and_refusals_by_reason(observed):
    client = openai.OpenAI(base_url=observed["gateway"].url + "/v1", api_key=observed["limited"], max_retries=0)
    client.chat.completions.create(model="chat", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="chat", messages=[{"role": "user", "content": "again"}])
    requests = samples(scrape(observed).body.decode(), "switchyard_requests")
    limited = [(labels, value) for _, labels, value in requests if labels["tenant"] == "limited"]
    assert sorted(limited, key=lambda pair: pair[0]["outcome"]) == [
        ({"route": "chat", "tenant": "limited", "dialect": "openai", "outcome": "completed", "provider": "alpha",
          "model": "alpha-model"}, 1.0),
        ({"route": "chat", "tenant": "limited", "dialect": "openai", "outcome": "refused", "reason": "limit"}, 1.0)]


def series(text):
    """Every series in an exposition, told apart by name and labels (not value)."""
    return {(sample.name, tuple(sorted(sample.labels.items())))
            for family in text_string_to_metric_families(text) for sample in family.samples}


def test_made_up_models_create_no_series(observed):
    before = series(scrape(observed).body.decode())
    headers = {"content-type": "application/json", "authorization": f"Bearer {observed['key']}"}
    def ask(number):
        return raw_request("POST", observed["gateway"].url + "/v1/chat/completions", json.dumps(
            {"model": f"made-up-{number}", "messages": [{"role": "user", "content": "x"}]}).encode(), headers).status_code
    with ThreadPoolExecutor(16) as pool:
        assert set(pool.map(ask, range(10_000))) == {404}
    text = scrape(observed).body.decode()
    # One series counts them all: refused, no route, `unfit`.
    assert "made-up" not in text
    assert series(text) - before == {("switchyard_requests_total", (
        ("dialect", "openai"), ("outcome", "refused"), ("reason", "unfit"), ("route", ""), ("tenant", "demo")))}
    assert [value for _, labels, value in samples(text, "switchyard_requests") if labels.get("reason") == "unfit"] == [10_000]


def test_the_token_is_required_when_set(observed):
    assert scrape(observed, token=None).status_code == 401
    assert scrape(observed, token="wrong").status_code == 401
    response = scrape(observed)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert "sk-mock" not in response.body.decode() and observed["key"] not in response.body.decode()
