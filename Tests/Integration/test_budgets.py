"""Budgets, rate limits and keys against a live gateway: concurrent requests can't overspend,
limits answer 429 with Retry-After, keys are listed, scoped and revoked."""
import json
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import anthropic
import openai
import pytest
import yaml

from conftest import BIN, Process, create_key, mock_provider, raw_request

QUESTION = [{"role": "user", "content": "Approve the loan?"}]
ADMIN_KEY = "sy-admin-budgets-0123456789abcdefghijk"


@pytest.fixture(scope="module")
def billed():
    mock = mock_provider("pricey", "--latency-ms", "300")
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-budgets-"))
    routes = tmp / "Routes"
    routes.mkdir()
    (routes / "gateway.yaml").write_text(yaml.safe_dump({
        "ledger": f"sqlite:{tmp / 'ledger.db'}",
        "admin_key": "env:TEST_ADMIN_KEY",
        "providers": [{"name": "pricey", "dialect": "openai", "base_url": mock.url + "/v1", "api_key": "env:MOCK_KEY",
                       # 0.001 USD per output token, prompts free: a 10-token answer costs exactly 0.01.
                       "models": [{"name": "pricey-model", "input_per_mtok": 0, "output_per_mtok": 1000, "currency": "USD"}]}],
        "routes": [{"name": "chat", "targets": ["pricey/pricey-model"]}, {"name": "other", "targets": ["pricey/pricey-model"]}],
        "tenants": [
            {"name": "bank", "budget": {"amount": 0.1, "currency": "USD", "period": "month"}},
            {"name": "shop", "limits": {"rpm": 5}},
            {"name": "lab"},
        ],
    }, sort_keys=False))
    env = dict(os.environ, MOCK_KEY="k", TEST_ADMIN_KEY=ADMIN_KEY)
    keys = {tenant: create_key(routes, tenant)["key"] for tenant in ("bank", "shop", "lab")}
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off"], cwd=tmp, env=env)
    yield {"gateway": gateway, "routes": routes, "tmp": tmp, "keys": keys, "env": env}
    gateway.stop()
    mock.stop()


def client(billed, key):
    return openai.OpenAI(base_url=billed["gateway"].url + "/v1", api_key=key, max_retries=0)


def admin(billed, method, path, body=None):
    headers = {"authorization": f"Bearer {ADMIN_KEY}"}
    if body is not None:
        headers["content-type"] = "application/json"
    return raw_request(method, billed["gateway"].url + path, json.dumps(body).encode() if body is not None else None, headers)


def test_fifty_concurrent_requests_cannot_overspend_a_budget_that_fits_ten(billed):
    bank = client(billed, billed["keys"]["bank"])

    def ask(_):
        try:
            bank.chat.completions.create(model="chat", messages=QUESTION, max_tokens=10)
            return "ok"
        except openai.RateLimitError as error:
            assert error.body["code"] == "insufficient_quota"
            assert error.body["type"] == "insufficient_quota"
            assert "budget of tenant 'bank' (0.1 USD/month)" in error.body["message"]
            return "refused"

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(ask, range(50)))
    assert outcomes.count("ok") == 10
    assert outcomes.count("refused") == 40
    rows = json.loads(admin(billed, "GET", "/admin/spend?by=tenant&tenant=bank").body, parse_float=Decimal)
    assert rows[0]["cost"] <= Decimal("0.1") + Decimal("0.01")  # the budget plus at most one reservation
    assert rows[0]["requests"] == 10
    # Anthropic callers get their own dialect's 429.
    claude = anthropic.Anthropic(base_url=billed["gateway"].url, api_key=billed["keys"]["bank"], max_retries=0)
    with pytest.raises(anthropic.RateLimitError) as raised:
        claude.messages.create(model="chat", max_tokens=10, messages=QUESTION)
    assert raised.value.body["error"]["type"] == "rate_limit_error"


def test_a_rate_limit_answers_429_with_retry_after(billed):
    shop = client(billed, billed["keys"]["shop"])
    for _ in range(5):
        shop.chat.completions.create(model="chat", messages=QUESTION, max_tokens=5)
    with pytest.raises(openai.RateLimitError) as raised:
        shop.chat.completions.create(model="chat", messages=QUESTION, max_tokens=5)
    assert raised.value.body["code"] == "rate_limit_exceeded"
    assert "tenant 'shop' reached: 5 requests per minute" in raised.value.body["message"]
    assert 1 <= int(raised.value.response.headers["retry-after"]) <= 60


def keys_cli(billed, *args):
    return subprocess.run([BIN, "keys", *args, "--routes", str(billed["routes"])], capture_output=True, text=True,
                          cwd=billed["tmp"])


def test_a_key_carries_its_own_budget_limits_and_routes(billed):
    created = keys_cli(billed, "create", "--tenant", "lab", "--budget", "0.02USD/day", "--rpm", "100", "--allow-routes", "chat", "--json")
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)
    listed = json.loads(keys_cli(billed, "list", "--tenant", "lab", "--json").stdout)
    entry = next(k for k in listed if k["id"] == key["id"])
    assert entry["budget"] == "0.02 USD/day" and entry["rpm"] == 100 and entry["allowed_routes"] == ["chat"]
    assert key["key"] not in keys_cli(billed, "list", "--json").stdout
    lab = client(billed, key["key"])
    time.sleep(2.5)  # the gateway's key refresh
    with pytest.raises(openai.PermissionDeniedError) as raised:
        lab.chat.completions.create(model="other", messages=QUESTION, max_tokens=10)
    assert raised.value.body["code"] == "route_not_allowed"
    lab.chat.completions.create(model="chat", messages=QUESTION, max_tokens=10)
    lab.chat.completions.create(model="chat", messages=QUESTION, max_tokens=10)
    with pytest.raises(openai.RateLimitError) as raised:
        lab.chat.completions.create(model="chat", messages=QUESTION, max_tokens=10)
    assert f"key {key['id']} (0.02 USD/day)" in raised.value.body["message"]
    # Bad input is refused before any key is made.
    assert "is not AMOUNT CURRENCY/PERIOD" in keys_cli(billed, "create", "--tenant", "lab", "--budget", "lots").stderr
    assert "unknown route 'nope'" in keys_cli(billed, "create", "--tenant", "lab", "--allow-routes", "nope").stderr
    assert "unknown tenant 'ghost'" in keys_cli(billed, "create", "--tenant", "ghost").stderr


def test_revoking_a_key_takes_effect_within_the_refresh_interval(billed):
    created = json.loads(keys_cli(billed, "create", "--tenant", "lab", "--json").stdout)
    time.sleep(2.5)
    lab = client(billed, created["key"])
    lab.chat.completions.create(model="chat", messages=QUESTION, max_tokens=5)
    assert keys_cli(billed, "revoke", created["id"]).returncode == 0
    assert keys_cli(billed, "revoke", created["id"]).returncode == 1
    time.sleep(2.5)
    with pytest.raises(openai.AuthenticationError):
        lab.chat.completions.create(model="chat", messages=QUESTION, max_tokens=5)
    listed = json.loads(keys_cli(billed, "list", "--all", "--json").stdout)
    assert next(k for k in listed if k["id"] == created["id"])["revoked_at"] is not None


def test_the_admin_api_manages_keys(billed):
    made = admin(billed, "POST", "/admin/keys", {"tenant": "lab", "rpm": 2, "allowed_routes": ["chat"]})
    assert made.status_code == 201
    key = made.json()
    assert key["key"].startswith("sy-") and key["rpm"] == 2
    lab = client(billed, key["key"])
    lab.chat.completions.create(model="chat", messages=QUESTION, max_tokens=5)  # usable at once on this gateway
    listed = admin(billed, "GET", "/admin/keys?tenant=lab").json()
    assert key["id"] in [k["id"] for k in listed] and all("key" not in k and "hash" not in k for k in listed)
    assert admin(billed, "POST", "/admin/keys", {"tenant": "ghost"}).status_code == 400
    assert admin(billed, "POST", "/admin/keys", {"tenant": "lab", "budget": "5 dollars"}).status_code == 400
    assert admin(billed, "DELETE", f"/admin/keys/{key['id']}").status_code == 200
    assert admin(billed, "DELETE", f"/admin/keys/{key['id']}").status_code == 404
    with pytest.raises(openai.AuthenticationError):
        lab.chat.completions.create(model="chat", messages=QUESTION, max_tokens=5)
    # Tenant keys can't use the admin API.
    denied = raw_request("GET", billed["gateway"].url + "/admin/keys", headers={"authorization": f"Bearer {billed['keys']['lab']}"})
    assert denied.status_code == 401
    assert ADMIN_KEY not in billed["gateway"].log and key["key"] not in billed["gateway"].log


def test_budgets_in_config_are_validated(tmp_path):
    routes = tmp_path / "Routes"
    routes.mkdir()
    (routes / "gateway.yaml").write_text(
        "providers: []\ntenants:\n  - { name: bank, budget: { amount: -5, currency: USD, period: month } }\n"
        "  - { name: shop, budget: { amount: 5, currency: EUR, period: year } }\n")
    result = subprocess.run([BIN, "config", "check", "--routes", str(routes)], capture_output=True, text=True)
    assert result.returncode != 0
    assert "tenants[0].budget.amount: expected a non-negative number" in result.stderr
    assert "tenants[1].budget.period: 'year' is not one of day, week, month, total" in result.stderr
