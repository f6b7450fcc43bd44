"""PII policies against live echoing mocks: what each mock received proves no personal data
reached a public provider unmasked; what the SDKs got back proves it was restored."""
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

ORIGINALS = {
    "id_number": "11010519491231002X",
    "phone": "13812345678",
    "email": "zhang.wei@example.cn",
    "bank_card": "6222021234567890128",
}
PROMPT = (f"Customer 张伟, ID {ORIGINALS['id_number']}, mobile {ORIGINALS['phone']}, "
          f"mail {ORIGINALS['email']}, card {ORIGINALS['bank_card']}. Draft a reply.")
PLACEHOLDERS = ["[ID_NUMBER_1]", "[PHONE_1]", "[EMAIL_1]", "[BANK_CARD_1]"]


@pytest.fixture(scope="module")
def clinic():
    places = {"public-gpt": ("openai", "public"), "public-claude": ("anthropic", "public"), "onprem": ("openai", "on-prem")}
    mocks = {name: mock_provider(name, "--dialect", dialect, "--echo") for name, (dialect, _) in places.items()}
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-pii-"))
    routes = tmp / "Routes"
    routes.mkdir()
    (routes / "gateway.yaml").write_text(yaml.safe_dump({
        "ledger": f"sqlite:{tmp / 'ledger.db'}",
        "providers": [
            {"name": name, "dialect": dialect, "deployment": deployment, "region": "cn",
             "base_url": mocks[name].url + ("/v1" if dialect == "openai" else ""), "api_key": "env:MOCK_KEY",
             "models": [{"name": f"{name}-model", "input_per_mtok": 1, "output_per_mtok": 2, "currency": "USD"}]}
            for name, (dialect, deployment) in places.items()
        ],
        "policies": [
            {"name": "restore", "pii": "mask", "pii_restore": True},
            {"name": "mask-only", "pii": "mask"},
            {"name": "block", "pii": "block"},
        ],
        "routes": [
            {"name": "gpt", "targets": ["public-gpt/public-gpt-model"]},
            {"name": "claude", "targets": ["public-claude/public-claude-model"]},
            {"name": "onprem", "targets": ["onprem/onprem-model"]},
            {"name": "mixed", "targets": ["public-gpt/public-gpt-model", "onprem/onprem-model"]},
        ],
        "tenants": [{"name": "bank", "policy": "restore"}, {"name": "lab", "policy": "mask-only"},
                    {"name": "gov", "policy": "block"}, {"name": "demo"}],
    }, sort_keys=False))
    keys = {tenant: create_key(routes, tenant)["key"] for tenant in ("bank", "lab", "gov", "demo")}
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off"], cwd=tmp,
                      env=dict(os.environ, MOCK_KEY="k"))
    time.sleep(0.1)
    yield {"gateway": gateway, "mocks": mocks, "keys": keys}
    gateway.stop()
    for mock in mocks.values():
        mock.stop()


def gpt(clinic, tenant):
    return openai.OpenAI(base_url=clinic["gateway"].url + "/v1", api_key=clinic["keys"][tenant], max_retries=0)


def last_received(clinic, name):
    return json.loads(raw_request("GET", clinic["mocks"][name].url + "/mock/requests").body)["requests"][-1]["body"]


def assert_masked(body):
    for value in ORIGINALS.values():
        assert value not in body
    for placeholder in PLACEHOLDERS:
        assert placeholder in body


def test_a_public_provider_sees_placeholders_and_the_caller_gets_the_originals(clinic):
    raw = gpt(clinic, "bank").chat.completions.with_raw_response.create(
        model="gpt", messages=[{"role": "user", "content": PROMPT}])
    assert_masked(last_received(clinic, "public-gpt"))
    answer = raw.parse().choices[0].message.content
    assert PROMPT in answer
    assert raw.headers["x-switchyard-pii"] == "masked residentID,phone,email,bankCard"


def test_streamed_answers_are_restored_even_when_a_placeholder_is_split(clinic):
    stream = gpt(clinic, "bank").chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": PROMPT}], stream=True)
    pieces = [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]
    assert_masked(last_received(clinic, "public-gpt"))
    assert PROMPT in "".join(pieces)
    assert not any("[" in piece and "_" in piece for piece in pieces)


def test_anthropic_callers_to_an_anthropic_provider_are_masked_and_restored(clinic):
    claude = anthropic.Anthropic(base_url=clinic["gateway"].url, api_key=clinic["keys"]["bank"], max_retries=0)
    message = claude.messages.create(model="claude", max_tokens=64, messages=[{"role": "user", "content": PROMPT}])
    assert_masked(last_received(clinic, "public-claude"))
    assert PROMPT in message.content[0].text
    with claude.messages.stream(model="claude", max_tokens=64, messages=[{"role": "user", "content": PROMPT}]) as stream:
        text = "".join(stream.text_stream)
    assert PROMPT in text


def test_tool_arguments_and_results_are_masked_and_restored(clinic):
    messages = [
        {"role": "user", "content": "Who owns this account?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {
            "name": "lookup", "arguments": json.dumps({"card": ORIGINALS["bank_card"]})}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": f"owner mail {ORIGINALS['email']}"},
    ]
    answer = gpt(clinic, "bank").chat.completions.create(model="gpt", messages=messages).choices[0].message.content
    body = last_received(clinic, "public-gpt")
    assert ORIGINALS["bank_card"] not in body and ORIGINALS["email"] not in body
    assert "[BANK_CARD_1]" in body and "[EMAIL_1]" in body
    assert f"tool said: owner mail {ORIGINALS['email']}" in answer


def test_without_pii_restore_the_caller_gets_placeholders(clinic):
    answer = gpt(clinic, "lab").chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": PROMPT}]).choices[0].message.content
    assert_masked(last_received(clinic, "public-gpt"))
    assert all(placeholder in answer for placeholder in PLACEHOLDERS)
    assert ORIGINALS["phone"] not in answer


def test_on_prem_targets_get_the_originals(clinic):
    raw = gpt(clinic, "bank").chat.completions.with_raw_response.create(
        model="onprem", messages=[{"role": "user", "content": PROMPT}])
    assert ORIGINALS["email"] in last_received(clinic, "onprem")
    assert "x-switchyard-pii" not in raw.headers
    assert PROMPT in raw.parse().choices[0].message.content


def test_block_keeps_personal_data_away_from_public_deployments(clinic):
    with pytest.raises(openai.PermissionDeniedError) as raised:
        gpt(clinic, "gov").chat.completions.create(model="gpt", messages=[{"role": "user", "content": PROMPT}])
    assert "policy block: pii: block" in str(raised.value)
    assert "'public-gpt' is a public deployment" in str(raised.value)
    # A mixed route falls to its on-prem target; a prompt without personal data may go public.
    raw = gpt(clinic, "gov").chat.completions.with_raw_response.create(
        model="mixed", messages=[{"role": "user", "content": PROMPT}])
    assert raw.headers["x-switchyard-provider"] == "onprem"
    raw = gpt(clinic, "gov").chat.completions.with_raw_response.create(
        model="mixed", messages=[{"role": "user", "content": "Summarise the new tax rules."}])
    assert raw.headers["x-switchyard-provider"] == "public-gpt"
    claude = anthropic.Anthropic(base_url=clinic["gateway"].url, api_key=clinic["keys"]["gov"], max_retries=0)
    with pytest.raises(anthropic.PermissionDeniedError):
        claude.messages.create(model="claude", max_tokens=20, messages=[{"role": "user", "content": PROMPT}])


def test_tenants_without_a_pii_policy_are_untouched(clinic):
    raw = gpt(clinic, "demo").chat.completions.with_raw_response.create(
        model="gpt", messages=[{"role": "user", "content": PROMPT}])
    assert ORIGINALS["email"] in last_received(clinic, "public-gpt")
    assert "x-switchyard-pii" not in raw.headers


def test_a_kept_conversation_is_masked_again_on_every_turn(clinic):
    # The gateway keeps the conversation as the app saw it (originals restored) in its own
    # database; each turn that continues it masks it again before it leaves for a provider.
    client = gpt(clinic, "bank")
    first = client.responses.create(model="claude", input=PROMPT)
    assert ORIGINALS["email"] in first.output_text
    assert_masked(last_received(clinic, "public-claude"))
    kept = client.responses.retrieve(first.id)
    assert kept.output_text == first.output_text
    second = client.responses.create(model="gpt", previous_response_id=first.id, input="And the phone again?")
    sent = last_received(clinic, "public-gpt")
    assert_masked(sent)
    assert "And the phone again?" in sent and second.output_text
    stream = client.responses.create(model="gpt", previous_response_id=second.id, input="Once more.", stream=True)
    assert [event.type for event in stream][-1] == "response.completed"
    assert_masked(last_received(clinic, "public-gpt"))
