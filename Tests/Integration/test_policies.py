"""Industry policies against live mocks in different regions and deployments: what each mock
received proves where requests went."""
import json
import os
import tempfile
import time
from pathlib import Path

import anthropic
import openai
import pytest
import yaml

from conftest import BIN, Process, create_key, mock_provider, raw_request

QUESTION = [{"role": "user", "content": "Summarise the loan file."}]


@pytest.fixture(scope="module")
def bank():
    mocks = {name: mock_provider(name) for name in ("us-public", "cn-public", "onprem")}
    places = {
        "us-public": {"region": "us", "deployment": "public", "retention": "30d"},
        "cn-public": {"region": "cn", "deployment": "public", "retention": "none"},
        "onprem": {"region": "on-prem", "deployment": "on-prem", "retention": "none"},
    }
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-policies-"))
    routes = tmp / "Routes"
    routes.mkdir()
    (routes / "gateway.yaml").write_text(yaml.safe_dump({
        "ledger": f"sqlite:{tmp / 'ledger.db'}",
        "providers": [
            dict(places[name], name=name, dialect="openai", base_url=mock.url + "/v1", api_key=f"env:K_{name.replace('-', '_').upper()}",
                 models=[{"name": f"{name}-model", "input_per_mtok": 1, "output_per_mtok": 2, "currency": "USD"}])
            for name, mock in mocks.items()
        ],
        "policies": [
            {"name": "finance", "regions": ["cn", "on-prem"], "retention": "none", "deny_providers": ["us-public"]},
            {"name": "on-prem-only", "deployments": ["on-prem"]},
            {"name": "eu-only", "regions": ["eu"]},
        ],
        "routes": [
            {"name": "chat", "targets": [f"{name}/{name}-model" for name in mocks]},
            {"name": "vault", "policy": "on-prem-only", "targets": [f"{name}/{name}-model" for name in mocks]},
        ],
        "tenants": [{"name": "demo"}, {"name": "bank", "policy": "finance"}, {"name": "eu-bank", "policy": "eu-only"}],
    }, sort_keys=False))
    keys = {tenant: create_key(routes, tenant)["key"] for tenant in ("demo", "bank", "eu-bank")}
    env = dict(os.environ, K_US_PUBLIC="k", K_CN_PUBLIC="k", K_ONPREM="k")
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off"], cwd=tmp, env=env)
    time.sleep(0.1)
    yield {"gateway": gateway, "mocks": mocks, "keys": keys}
    gateway.stop()
    for mock in mocks.values():
        mock.stop()


def client(bank, tenant):
    return openai.OpenAI(base_url=bank["gateway"].url + "/v1", api_key=bank["keys"][tenant], max_retries=0)


def received(bank, name):
    return json.loads(raw_request("GET", bank["mocks"][name].url + "/mock/requests").body)["total"]


def test_a_finance_tenant_never_reaches_a_public_non_cn_provider(bank):
    before = received(bank, "us-public")
    for _ in range(5):
        raw = client(bank, "bank").chat.completions.with_raw_response.create(model="chat", messages=QUESTION)
        assert raw.headers["x-switchyard-provider"] == "cn-public"
    assert received(bank, "us-public") == before
    # The same route without a policy starts with the first target.
    raw = client(bank, "demo").chat.completions.with_raw_response.create(model="chat", messages=QUESTION)
    assert raw.headers["x-switchyard-provider"] == "us-public"


def test_a_route_policy_applies_to_every_tenant(bank):
    for tenant in ("demo", "bank"):
        raw = client(bank, tenant).chat.completions.with_raw_response.create(model="vault", messages=QUESTION)
        assert raw.headers["x-switchyard-provider"] == "onprem"


def test_no_allowed_target_is_a_403_naming_the_rule(bank):
    with pytest.raises(openai.PermissionDeniedError) as raised:
        client(bank, "eu-bank").chat.completions.create(model="chat", messages=QUESTION)
    assert "policy eu-only: region 'on-prem' is not one of eu" in str(raised.value)
    messages = anthropic.Anthropic(base_url=bank["gateway"].url, api_key=bank["keys"]["eu-bank"], max_retries=0)
    with pytest.raises(anthropic.PermissionDeniedError) as raised:
        messages.messages.create(model="chat", max_tokens=20, messages=QUESTION)
    assert raised.value.body["error"]["type"] == "permission_error"
