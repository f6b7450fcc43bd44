"""Spend truth: each vendor's documented usage (cache writes of both lifetimes, a prompt over and
under a tier boundary, DeepSeek's hits and misses, Qwen's thinking mode with an explicit-cache
write, OpenAI's cached and reasoning tokens, the Responses API's), replayed by mocks, through the
official SDKs. The app sees the counts in its own dialect; the ledger records each part at its
price, and its cost equals a hand computation from the vendors' published prices, exactly."""
import json
import os
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import anthropic
import openai
import pytest
import yaml
from google import genai
from google.genai import types

from conftest import BIN, Process, create_key, mock_provider, raw_request

FIXTURES = Path(__file__).parent / "usage_fixtures"
QUESTION = [{"role": "user", "content": "What did the audit find?"}]
M = Decimal(1_000_000)

# Prices as the vendors publish them (per 1M tokens), written the way Routes/ takes them.
SONNET = {"name": "claude-sonnet-5-5", "currency": "USD", "input_per_mtok": 2, "output_per_mtok": 10,
          "cached_input_per_mtok": 0.10, "cache_write_5m_per_mtok": 2.50, "cache_write_1h_per_mtok": 4}
GEMINI_PRO = {"name": "gemini-2.5-pro", "currency": "USD", "context": 1048576, "tiers": [
    {"prompt_tokens": "0-200000", "input_per_mtok": 1.25, "cached_input_per_mtok": 0.125, "output_per_mtok": 10},
    {"prompt_tokens": "200000+", "input_per_mtok": 2.50, "cached_input_per_mtok": 0.25, "output_per_mtok": 15}]}
DEEPSEEK = {"name": "deepseek-flash", "currency": "USD", "input_per_mtok": 0.30, "output_per_mtok": 1.20,
            "cached_input_per_mtok": 0.006}
QWEN_PLUS = {"name": "qwen-plus", "currency": "CNY", "context": 1000000, "tiers": [
    {"prompt_tokens": "0-128000", "input_per_mtok": 0.8, "cached_input_per_mtok": 0.16, "cache_write_5m_per_mtok": 1,
     "output_per_mtok": 2, "thinking_output_per_mtok": 8},
    {"prompt_tokens": "128000+", "input_per_mtok": 2.4, "cached_input_per_mtok": 0.48, "cache_write_5m_per_mtok": 3,
     "output_per_mtok": 20, "thinking_output_per_mtok": 24}]}
GPT_54 = {"name": "gpt-5.4", "currency": "USD", "context": 1050000, "tiers": [
    {"prompt_tokens": "0-272000", "input_per_mtok": 2.50, "cached_input_per_mtok": 0.25, "output_per_mtok": 15},
    {"prompt_tokens": "272000+", "input_per_mtok": 5.00, "cached_input_per_mtok": 0.50, "output_per_mtok": 22.50}]}

# provider name: (dialect, usage fixture, model, extra provider keys)
PROVIDERS = {
    "anthropic-up": ("anthropic", "anthropic-cache-writes.json", SONNET, {}),
    "gemini-under": ("gemini", "gemini-under-200k.json", GEMINI_PRO, {}),
    "gemini-over": ("gemini", "gemini-over-200k.json", GEMINI_PRO, {}),
    "deepseek-up": ("openai", "deepseek-hit-miss.json", DEEPSEEK, {}),
    "qwen-up": ("openai", "qwen-thinking-explicit-cache.json", QWEN_PLUS, {}),
    "openai-up": ("openai", "openai-cached-reasoning.json", GPT_54, {}),
    "responses-up": ("openai", "responses-cached-reasoning.json", GPT_54, {"responses": True}),
}
SUFFIX = {"openai": "/v1", "anthropic": "", "gemini": "/v1beta"}

# Each fixture's cost, by hand from the prices above (tokens × price per 1M).
EXPECTED = {
    # 1000 plain × 2 + 10000 reads × 0.10 + 2000 5-minute writes × 2.50 + 4000 1-hour writes × 4 + 500 × 10
    "anthropic-up": (Decimal(1000 * 2) + Decimal("1000") + Decimal(5000) + Decimal(16000) + Decimal(5000)) / M,
    # prompt 150000 ≤ 200k: 100000 × 1.25 + 50000 × 0.125 + (800 + 200 thoughts) × 10
    "gemini-under": (Decimal(125000) + Decimal(6250) + Decimal(10000)) / M,
    # prompt 250000 > 200k, every token in the upper band: 200000 × 2.50 + 50000 × 0.25 + 1000 × 15
    "gemini-over": (Decimal(500000) + Decimal(12500) + Decimal(15000)) / M,
    # 2000 misses × 0.30 + 8000 hits × 0.006 + 300 × 1.20
    "deepseek-up": (Decimal(600) + Decimal(48) + Decimal(360)) / M,
    # thinking: 94 plain × 0.8 + 2925 explicit-cache writes × 1 + 1200 output × 8 (thinking price), in CNY
    "qwen-up": (Decimal("75.2") + Decimal(2925) + Decimal(9600)) / M,
    # 86 plain × 2.50 + 1920 cached × 0.25 + 300 × 15
    "openai-up": (Decimal(215) + Decimal(480) + Decimal(4500)) / M,
    "responses-up": (Decimal(215) + Decimal(480) + Decimal(4500)) / M,
}
TOKENS = {  # what the ledger records: input (whole prompt), cached reads, 5 m and 1 h writes, output, reasoning
    "anthropic-up": (17000, 10000, 2000, 4000, 500, 0),
    "gemini-under": (150000, 50000, 0, 0, 1000, 200),
    "gemini-over": (250000, 50000, 0, 0, 1000, 200),
    "deepseek-up": (10000, 8000, 0, 0, 300, 100),
    "qwen-up": (3019, 0, 2925, 0, 1200, 800),
    "openai-up": (2006, 1920, 0, 0, 300, 192),
    "responses-up": (2006, 1920, 0, 0, 300, 192),
}
TIERS = {"gemini-under": "0-200000", "gemini-over": "200000+", "qwen-up": "0-128000", "openai-up": "0-272000",
         "responses-up": "0-272000"}
FX_CNY = Decimal("0.14")


@pytest.fixture(scope="module")
def truth():
    mocks = {}
    for name, (dialect, fixture, _, _) in PROVIDERS.items():
        usage = json.dumps(json.loads((FIXTURES / fixture).read_text()))
        mocks[name] = mock_provider(name, "--dialect", dialect, "--usage", usage)
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-spend-truth-"))
    routes = tmp / "Routes"
    routes.mkdir()
    (routes / "gateway.yaml").write_text(yaml.safe_dump({
        "ledger": f"sqlite:{tmp / 'ledger.db'}",
        "currency": "USD",
        "fx": {"CNY": float(FX_CNY)},
        "providers": [
            {"name": name, "dialect": dialect, "base_url": mocks[name].url + SUFFIX[dialect], "api_key": "env:MOCK_KEY",
             "models": [model], **extra}
            for name, (dialect, _, model, extra) in PROVIDERS.items()
        ],
        "routes": [{"name": name, "targets": [f"{name}/{model['name']}"]} for name, (_, _, model, _) in PROVIDERS.items()]
        + [{"name": "anthropic-for-openai", "targets": ["anthropic-up/claude-sonnet-5-5"]}],
        "tenants": [{"name": "bank"}],
    }, sort_keys=False))
    key = create_key(routes, "bank")["key"]
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off"], cwd=tmp,
                      env=dict(os.environ, MOCK_KEY="k"))
    yield {"gateway": gateway, "mocks": mocks, "routes": routes, "key": key, "tmp": tmp}
    gateway.stop()
    for mock in mocks.values():
        mock.stop()


def records(truth, route, count):
    """The ledger's records of `route`, money read as exact decimals (the gateway commits in batches)."""
    import time
    deadline = time.monotonic() + 10
    while True:
        exported = subprocess.run([BIN, "ledger", "export", "--routes", str(truth["routes"])], capture_output=True, text=True,
                                  check=True, cwd=truth["tmp"]).stdout
        found = [r for r in (json.loads(line, parse_float=Decimal) for line in exported.splitlines()) if r["route"] == route]
        if len(found) >= count or time.monotonic() > deadline:
            return found


def check_ledger(truth, route, provider, streamed_too=True):
    """Every record of `route` holds the fixture's parts, its band, and the hand-computed cost."""
    found = records(truth, route, 2 if streamed_too else 1)
    assert sorted(r["streamed"] for r in found) == ([False, True] if streamed_too else [False])
    for record in found:
        tokens = tuple(record[k] for k in ("input_tokens", "cached_input_tokens", "cache_write_5m_tokens",
                                          "cache_write_1h_tokens", "output_tokens", "reasoning_tokens"))
        assert tokens == TOKENS[provider], record
        assert record["price_tier"] == TIERS.get(provider, "")
        assert Decimal(record["cost"]) == EXPECTED[provider], (record["cost"], EXPECTED[provider])
        parts = sum(Decimal(record[p]) for p in ("input_cost", "cached_input_cost", "cache_write_cost", "output_cost",
                                                   "search_cost"))
        assert parts == Decimal(record["cost"])
        if record["currency"] == "CNY":
            assert Decimal(record["reporting_cost"]) == EXPECTED[provider] * FX_CNY
    return found


def sent(truth, provider):
    """The requests the provider received."""
    return json.loads(raw_request("GET", truth["mocks"][provider].url + "/mock/requests").body)["requests"]


def openai_client(truth):
    return openai.OpenAI(base_url=truth["gateway"].url + "/v1", api_key=truth["key"], max_retries=0)


def test_anthropic_cache_writes_of_both_lifetimes(truth):
    client = anthropic.Anthropic(base_url=truth["gateway"].url, api_key=truth["key"], max_retries=0)
    message = client.messages.create(model="anthropic-up", max_tokens=600, messages=QUESTION)
    usage = message.usage
    assert (usage.input_tokens, usage.cache_read_input_tokens, usage.cache_creation_input_tokens) == (1000, 10000, 6000)
    assert (usage.cache_creation.ephemeral_5m_input_tokens, usage.cache_creation.ephemeral_1h_input_tokens) == (2000, 4000)
    with client.messages.stream(model="anthropic-up", max_tokens=600, messages=QUESTION) as stream:
        final = stream.get_final_message()
    assert (final.usage.cache_read_input_tokens, final.usage.cache_creation_input_tokens, final.usage.output_tokens) == (
        10000, 6000, 500)
    assert [entry["path"] for entry in sent(truth, "anthropic-up")][-2:] == ["/v1/messages", "/v1/messages"]
    found = check_ledger(truth, "anthropic-up", "anthropic-up")
    record = found[0]
    assert (Decimal(record["cache_write_5m_per_mtok"]), Decimal(record["cache_write_1h_per_mtok"])) == (Decimal("2.5"), 4)
    assert (Decimal(record["input_cost"]), Decimal(record["cache_write_cost"])) == (Decimal("0.002"), Decimal("0.021"))


def test_an_openai_app_sees_anthropic_cache_reads_in_its_own_shape(truth):
    client = openai_client(truth)
    completion = client.chat.completions.create(model="anthropic-for-openai", messages=QUESTION, max_tokens=600)
    assert (completion.usage.prompt_tokens, completion.usage.prompt_tokens_details.cached_tokens) == (17000, 10000)
    chunks = list(client.chat.completions.create(model="anthropic-for-openai", messages=QUESTION, max_tokens=600,
                                                 stream=True, stream_options={"include_usage": True}))
    assert chunks[-1].usage.prompt_tokens == 17000 and chunks[-1].usage.completion_tokens == 500
    found = records(truth, "anthropic-for-openai", 2)
    assert [Decimal(r["cost"]) for r in found] == [EXPECTED["anthropic-up"]] * 2


@pytest.mark.parametrize("route", ["gemini-under", "gemini-over"])
def test_gemini_over_and_under_a_tier_boundary(truth, route):
    client = genai.Client(api_key=truth["key"], http_options=types.HttpOptions(base_url=truth["gateway"].url,
                                                                                api_version="v1beta"))
    response = client.models.generate_content(model=route, contents="Summarise the filing.")
    metadata = response.usage_metadata
    assert (metadata.prompt_token_count, metadata.cached_content_token_count) == TOKENS[route][:2]
    assert (metadata.candidates_token_count, metadata.thoughts_token_count) == (800, 200)
    last = list(client.models.generate_content_stream(model=route, contents="Summarise the filing."))[-1]
    assert last.usage_metadata.thoughts_token_count == 200
    assert any(":streamGenerateContent" in entry["path"] for entry in sent(truth, route))
    check_ledger(truth, route, route)


@pytest.mark.parametrize("route", ["deepseek-up", "qwen-up", "openai-up"])
def test_openai_shaped_usage_of_each_vendor(truth, route):
    client = openai_client(truth)
    completion = client.chat.completions.create(model=route, messages=QUESTION)
    assert completion.usage.prompt_tokens == TOKENS[route][0]
    assert completion.usage.completion_tokens_details.reasoning_tokens == TOKENS[route][5]
    assert completion.usage.prompt_tokens_details.cached_tokens == TOKENS[route][1]
    chunks = list(client.chat.completions.create(model=route, messages=QUESTION, stream=True,
                                                 stream_options={"include_usage": True}))
    assert chunks[-1].usage.completion_tokens == TOKENS[route][4]
    assert sent(truth, route)[-1]["path"] == "/v1/chat/completions"
    check_ledger(truth, route, route)


def test_responses_usage_with_cached_and_reasoning_tokens(truth):
    client = openai_client(truth)
    response = client.responses.create(model="responses-up", input="What did the audit find?")
    assert response.usage.input_tokens_details.cached_tokens == 1920
    assert response.usage.output_tokens_details.reasoning_tokens == 192
    final = list(client.responses.create(model="responses-up", input="What did the audit find?", stream=True))[-1]
    assert final.response.usage.output_tokens == 300
    assert sent(truth, "responses-up")[-1]["path"] == "/v1/responses"
    check_ledger(truth, "responses-up", "responses-up")


def test_spend_reports_cache_savings_and_exports_carry_the_parts(truth):
    records(truth, "anthropic-up", 2)
    report = subprocess.run([BIN, "spend", "--routes", str(truth["routes"]), "--by", "route", "--format", "json"],
                            capture_output=True, text=True, check=True, cwd=truth["tmp"]).stdout
    rows = {row["route"]: row for row in json.loads(report, parse_float=Decimal)}
    # Sonnet: each answer read 10000 tokens at 0.10 instead of 2.
    anthropic_row = rows["anthropic-up"]
    assert Decimal(anthropic_row["cache_savings"]) == anthropic_row["requests"] * Decimal(10000) * (2 - Decimal("0.10")) / M
    assert anthropic_row["cache_write_1h_tokens"] == anthropic_row["requests"] * 4000
    # DeepSeek's hits: 8000 × (0.30 − 0.006).
    assert Decimal(rows["deepseek-up"]["cache_savings"]) == rows["deepseek-up"]["requests"] * Decimal(8000) * Decimal(
        "0.294") / M
    csv = subprocess.run([BIN, "ledger", "export", "--routes", str(truth["routes"]), "--format", "csv"],
                         capture_output=True, text=True, check=True, cwd=truth["tmp"]).stdout.splitlines()
    header = csv[0].split(",")
    for column in ("price_tier", "cache_write_5m_tokens", "reasoning_tokens", "cache_savings", "input_cost",
                   "cache_write_cost", "output_cost"):
        assert column in header
    over = next(dict(zip(header, line.split(","))) for line in csv[1:] if ",gemini-over," in line)
    assert over["price_tier"] == "200000+" and Decimal(over["cost"]) == EXPECTED["gemini-over"]
