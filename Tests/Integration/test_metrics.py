"""GET /metrics after real SDK traffic, parsed with prometheus_client's own parser: the GenAI token
histograms and the cost counter equal the ledger's totals for the same requests; fallbacks and hedges
show in the request and attempt counters; circuit state flips when a mock fails; budgets, pools,
masks, failed authentications and ledger commits are counted; made-up model names create no series;
metrics live on their own port behind a token. And the JSON request log: a line per request that
agrees with the ledger and holds no secret or prompt text."""
import json
import re
from concurrent.futures import ThreadPoolExecutor
import os
import tempfile
import time
from pathlib import Path

import anthropic
import cohere
import openai
from google import genai
from google.genai import types as genai_types
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from conftest import BIN, Process, create_key, ledger_records, mock_provider, raw_request

TOKEN = "metrics-scrape-token-0123456789"
ADMIN_KEY = "sy-admin-metrics-0123456789abcdefghijklmn"


@pytest.fixture(scope="module")
def observed():
    alpha = mock_provider("alpha", "--output-tokens", "7", "--tokens-per-second", "200")
    broken = mock_provider("broken", "--fail-rate", "1")
    slow = mock_provider("slow", "--latency-ms", "1500")
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-metrics-"))
    routes = tmp / "Routes"
    routes.mkdir()
    (routes / "gateway.yaml").write_text(yaml.safe_dump({
        "ledger": f"sqlite:{tmp / 'ledger.db'}",
        "server": {"metrics_token": "env:TEST_METRICS_TOKEN", "metrics_port": 0, "metrics_key_labels": True},
        "admin_key": "env:TEST_ADMIN_KEY",
        "policies": [{"name": "careful", "pii": "mask"}],
        "providers": [
            {"name": name, "dialect": "openai", "base_url": mock.url + "/v1", "api_key": "env:MOCK_KEY",
             "models": [{"name": f"{name}-model", "input_per_mtok": 1, "output_per_mtok": 2, "currency": "USD"},
                        {"name": f"{name}-embed", "kind": "embedding", "dimensions": 64, "input_per_mtok": 1,
                         "output_per_mtok": 0, "currency": "USD"}]}
            for name, mock in (("alpha", alpha), ("broken", broken), ("slow", slow))
        ] + [{"name": "ranker", "dialect": "cohere", "base_url": alpha.url, "api_key": "env:MOCK_KEY",
              "models": [{"name": "alpha-rerank", "kind": "rerank", "input_per_mtok": 0, "output_per_mtok": 0,
                          "per_1k_searches": 2, "currency": "USD"}]}],
        "routes": [
            {"name": "chat", "targets": ["alpha/alpha-model"]},
            {"name": "resilient", "targets": ["broken/broken-model", "alpha/alpha-model"]},
            {"name": "hedged", "hedge_after_ms": 50, "targets": ["slow/slow-model", "alpha/alpha-model"]},
            {"name": "embed", "targets": ["alpha/alpha-embed"]},
            {"name": "rerank", "targets": ["ranker/alpha-rerank"]},
        ],
        "tenants": [{"name": "demo"}, {"name": "limited", "limits": {"rpm": 1}},
                    {"name": "capped", "budget": {"amount": 2, "currency": "USD", "period": "month"}},
                    {"name": "careful", "policy": "careful"}],
    }, sort_keys=False))
    keys = {tenant: create_key(routes, tenant) for tenant in ("demo", "limited", "capped", "careful")}
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off", "--log-format", "json"],
                      cwd=tmp, env=dict(os.environ, MOCK_KEY="sk-mock", TEST_METRICS_TOKEN=TOKEN, TEST_ADMIN_KEY=ADMIN_KEY))
    deadline = time.monotonic() + 10
    while not (metrics := re.search(r"metrics on (http://\S+)/metrics", gateway.log)) and time.monotonic() < deadline:
        time.sleep(0.05)
    yield {"gateway": gateway, "metrics_url": metrics.group(1), "key": keys["demo"]["key"], "keys": keys,
           "limited": keys["limited"]["key"], "routes": routes}
    for process in (gateway, alpha, broken, slow):
        process.stop()


def scrape(observed, token=TOKEN):
    return raw_request("GET", observed["metrics_url"] + "/metrics",
                       headers={"authorization": f"Bearer {token}"} if token else {})


def value(text, name, /, **labels):
    """The sum of the samples named `name` (a counter's without `_total`, a histogram's `_count` or
    `_sum`) whose labels include `labels`."""
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name in (name, name + "_total")
               and all(sample.labels.get(k) == want for k, want in labels.items()))


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
    client.responses.create(model="chat", input="from the Responses API", store=False)
    gemini = genai.Client(api_key=observed["key"], http_options=genai_types.HttpOptions(base_url=base, api_version="v1beta"))
    gemini.models.generate_content(model="chat", contents="from google's SDK")
    cohere.ClientV2(api_key=observed["key"], base_url=base).rerank(
        model="rerank", query="reset the breaker", documents=["breaker reset", "bread"])
    records = ledger_records(observed["routes"], lambda r: r["outcome"] == "completed", count=7)
    dialects = {"openai", "anthropic", "openai-responses", "gemini", "openai-embeddings", "rerank"}
    assert {r["dialect_in"] for r in records} == dialects
    text = scrape(observed).body.decode()

    usage = samples(text, "gen_ai_client_token_usage")
    def total(token_type, operation=None):
        return sum(value for name, labels, value in usage if name.endswith("_sum")
                   and labels["gen_ai_token_type"] == token_type
                   and (operation is None or labels["gen_ai_operation_name"] == operation))
    assert total("input") == sum(r["input_tokens"] for r in records)
    overhead = samples(text, "switchyard_gateway_overhead_seconds")
    assert sum(v for n, _, v in overhead if n.endswith("_count")) == 7
    assert 0 < sum(v for n, _, v in overhead if n.endswith("_sum")) < 7 * 0.25
    requests = samples(text, "switchyard_requests")
    assert {labels["dialect"] for _, labels, _ in requests} == dialects
    assert total("output") == sum(r["output_tokens"] for r in records)
    assert total("input", "embeddings") == sum(r["input_tokens"] for r in records if r["operation"] == "embeddings") > 0
    cost = sum(value for _, labels, value in samples(text, "switchyard_cost") if labels["tenant"] == "demo")
    assert abs(cost - sum(r["cost"] for r in records)) < 1e-9
    labels = [labels for name, labels, _ in usage if name.endswith("_count")]
    assert {l["gen_ai_provider_name"] for l in labels} == {"alpha", "ranker"}
    assert {l["gen_ai_request_model"] for l in labels} == {"chat", "embed", "rerank"}
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
    text = scrape(observed).body.decode()
    assert value(text, "switchyard_requests", route="resilient", outcome="fallback", provider="alpha") == 1


def test_a_hedge_shows_as_hedged_and_its_loser_as_cancelled(observed):
    client = openai.OpenAI(base_url=observed["gateway"].url + "/v1", api_key=observed["key"], max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="hedged", messages=[{"role": "user", "content": "hi"}])
    assert raw.headers["x-switchyard-hedged"] == "won" and raw.headers["x-switchyard-provider"] == "alpha"
    deadline = time.monotonic() + 5
    while True:  # the loser is recorded as it is cancelled, just after the answer
        text = scrape(observed).body.decode()
        if value(text, "switchyard_attempts", route="hedged", provider="slow", outcome="cancelled") == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert value(text, "switchyard_attempts", route="hedged", provider="slow", outcome="cancelled") == 1
    assert value(text, "switchyard_requests", route="hedged", outcome="hedged", provider="alpha") == 1
    # A hedged request's waits overlap: it reports no gateway overhead.
    assert value(text, "switchyard_gateway_overhead_seconds_count", route="hedged") == 0


def test_a_circuit_opens_when_its_provider_keeps_failing(observed):
    client = openai.OpenAI(base_url=observed["gateway"].url + "/v1", api_key=observed["key"], max_retries=0)
    state = lambda: value(scrape(observed).body.decode(), "switchyard_circuit_state", provider="broken")
    assert state() == 0  # closed (one failure so far)
    for _ in range(3):
        client.chat.completions.create(model="resilient", messages=[{"role": "user", "content": "hi"}])
    assert state() == 2  # open
    assert value(scrape(observed).body.decode(), "switchyard_circuit_state", provider="alpha") == 0
    p95 = value(scrape(observed).body.decode(), "switchyard_target_latency_p95_seconds", provider="alpha", model="alpha-model")
    assert 0 < p95 < 5


def test_budgets_pools_masks_and_commits(observed):
    base = observed["gateway"].url
    capped = openai.OpenAI(base_url=base + "/v1", api_key=observed["keys"]["capped"]["key"], max_retries=0)
    capped.chat.completions.create(model="chat", messages=[{"role": "user", "content": "spend a little"}])
    careful = openai.OpenAI(base_url=base + "/v1", api_key=observed["keys"]["careful"]["key"], max_retries=0)
    raw = careful.chat.completions.with_raw_response.create(model="chat", messages=[
        {"role": "user", "content": "mail ada@example.com or bob@example.org, call +1 415 555 0100"}])
    assert raw.headers["x-switchyard-pii"].startswith("masked")
    records = ledger_records(observed["routes"], lambda r: r["tenant"] == "capped")
    text = scrape(observed).body.decode()
    assert value(text, "switchyard_budget_limit", scope="tenant", name="capped", currency="USD") == 2
    assert abs(value(text, "switchyard_budget_remaining", scope="tenant", name="capped") - (2 - records[0]["cost"])) < 1e-9
    assert value(text, "switchyard_pii_masked", kind="email") == 2 and value(text, "switchyard_pii_masked", kind="phone") == 1
    assert value(text, "switchyard_upstream_connections", provider="alpha", state="idle") >= 1
    assert value(text, "switchyard_upstream_waiting_requests", provider="alpha") == 0
    all_records = ledger_records(observed["routes"], count=1)
    text = scrape(observed).body.decode()
    assert value(text, "switchyard_ledger_commit_seconds_count") >= 1
    assert value(text, "switchyard_ledger_committed_records") >= len(all_records)
    assert samples(text, "switchyard_journal_backlog_records")[0][2] >= 0
    # Cost by key, with `metrics_key_labels`: the key's id, never the key.
    assert value(text, "switchyard_cost", key_id=observed["keys"]["capped"]["id"]) == records[0]["cost"]


def test_streams_report_time_per_output_token(observed):
    client = openai.OpenAI(base_url=observed["gateway"].url + "/v1", api_key=observed["key"], max_retries=0)
    for _ in client.chat.completions.create(model="chat", messages=[{"role": "user", "content": "pace"}], stream=True):
        pass
    text = scrape(observed).body.decode()
    per_token = value(text, "gen_ai_server_time_per_output_token_seconds_sum") / value(
        text, "gen_ai_server_time_per_output_token_seconds_count")
    assert 0.001 < per_token < 0.5  # the mock paces 200 tokens a second


def test_failed_authentications_are_counted_by_credential(observed):
    base = observed["gateway"].url
    body = json.dumps({"model": "chat", "messages": [{"role": "user", "content": "x"}]}).encode()
    raw_request("POST", base + "/v1/chat/completions", body, {"authorization": "Bearer sy-wrong-key"})
    raw_request("POST", base + "/v1/chat/completions", body, {})
    scrape(observed, token="not-the-token")
    text = scrape(observed).body.decode()
    assert value(text, "switchyard_authentication_failures", credential="virtual_key", reason="invalid") >= 1
    assert value(text, "switchyard_authentication_failures", credential="virtual_key", reason="missing") >= 1
    assert value(text, "switchyard_authentication_failures", credential="metrics_token", reason="invalid") >= 1


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


def test_metrics_have_their_own_port_and_token(observed):
    assert raw_request("GET", observed["gateway"].url + "/metrics",
                       headers={"authorization": f"Bearer {TOKEN}"}).status_code == 404
    assert scrape(observed, token=None).status_code == 401
    assert scrape(observed, token="wrong").status_code == 401
    response = scrape(observed)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert "sk-mock" not in response.body.decode() and observed["key"] not in response.body.decode()


def test_the_json_request_log_agrees_with_the_ledger_and_keeps_secrets(observed):
    client = openai.OpenAI(base_url=observed["gateway"].url + "/v1", api_key=observed["key"], max_retries=0)
    raw = client.chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": "a prompt that must stay out of logs"}])
    request_id = raw.headers["x-switchyard-request-id"]
    record = ledger_records(observed["routes"], lambda r: r["request_id"] == request_id)[0]
    time.sleep(0.2)
    lines = [json.loads(line) for line in observed["gateway"].log.splitlines() if line.startswith("{")]
    assert lines and all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    [line] = [line for line in lines if line["message"] == "request" and line.get("request_id") == request_id]
    assert line["tenant"] == "demo" and line["key_id"] == observed["keys"]["demo"]["id"]
    assert (line["route"], line["strategy"], line["provider"], line["model"]) == ("chat", "ordered", "alpha", "alpha-model")
    assert (line["attempts"], line["outcome"], line["status"]) == (1, "completed", 200)
    assert (line["input_tokens"], line["output_tokens"]) == (record["input_tokens"], record["output_tokens"])
    assert float(line["cost"]) == record["cost"] and line["currency"] == "USD"
    assert isinstance(line["latency_ms"], int)
    refused = [l for l in lines if l.get("outcome") == "refused" and l.get("reason") == "limit"]
    assert refused and refused[0]["status"] == 429 and refused[0]["tenant"] == "limited"
    rejected = [l for l in lines if l.get("outcome") == "rejected" and l.get("status") == 401]
    assert rejected and "error" in rejected[0]
    admin = raw_request("GET", observed["gateway"].url + "/admin/spend", headers={"authorization": f"Bearer {ADMIN_KEY}"})
    wrong = raw_request("GET", observed["gateway"].url + "/admin/spend", headers={"authorization": "Bearer sy-admin-wrong-guess"})
    assert (admin.status_code, wrong.status_code) == (200, 401)
    time.sleep(0.2)
    log = observed["gateway"].log
    assert '"path":"/admin/spend"' in log
    secrets = ["sk-mock", TOKEN, ADMIN_KEY, "sy-admin-wrong-guess", "a prompt that must stay out of logs", "ada@example.com"]
    secrets += [key["key"] for key in observed["keys"].values()]
    assert not [secret for secret in secrets if secret in log]


def test_every_metric_the_grafana_dashboard_queries_exists(observed):
    """docs/grafana-dashboard.json: every series its panels query is one the gateway serves."""
    dashboard = json.loads((Path(__file__).parents[2] / "docs" / "grafana-dashboard.json").read_text())
    queried = {name for panel in dashboard["panels"] for target in panel["targets"]
               for name in re.findall(r"\b(?:switchyard|gen_ai)_[a-z_]+", re.sub(r"by \([^)]*\)", "", target["expr"]))}
    served = {line.split("{")[0].split(" ")[0] for line in scrape(observed).body.decode().splitlines()
              if not line.startswith("#")}
    assert len(queried) >= 12 and sorted(queried - served) == []
