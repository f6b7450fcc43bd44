"""The official `openai` SDK against a provider that speaks Anthropic's Messages API: the
gateway translates requests, answers, streams and tool calls in both directions."""
import json
import os
import tempfile
import time
from pathlib import Path

import openai
import pytest
import yaml

from conftest import BIN, Process, create_key, mock_provider, raw_request
from openapi_contract import validate

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
QUESTION = [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "Weather in Paris?"}]


@pytest.fixture(scope="module")
def claude():
    """An Anthropic-dialect mock (it checks x-api-key) behind a gateway route `claude`."""
    mock = mock_provider("claude-mock", "--dialect", "anthropic", "--require-key", "sk-ant-secret", "--output-tokens", "10")
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-translate-"))
    routes = tmp / "Routes"
    routes.mkdir()
    config = {
        "ledger": f"sqlite:{tmp / 'ledger.db'}",
        "providers": [
            {
                "name": "anthropic",
                "dialect": "anthropic",
                "base_url": mock.url,
                "api_key": "env:ANTHROPIC_KEY",
                "default_max_tokens": 512,
                "models": [{"name": "claude-sonnet-4-5", "input_per_mtok": 3, "output_per_mtok": 15, "currency": "USD"}],
            },
            {
                "name": "strict",
                "dialect": "anthropic",
                "base_url": mock.url,
                "api_key": "env:ANTHROPIC_KEY",
                "unsupported_parameters": "reject",
                "models": [{"name": "claude-strict", "upstream": "claude-sonnet-4-5", "input_per_mtok": 3, "output_per_mtok": 15, "currency": "USD"}],
            },
        ],
        "routes": [{"name": "claude", "targets": ["anthropic/claude-sonnet-4-5"]}],
        "tenants": [{"name": "demo"}],
    }
    (routes / "gateway.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    key = create_key(routes)
    gateway = Process(
        [BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off"], cwd=tmp,
        env=dict(os.environ, ANTHROPIC_KEY="sk-ant-secret"),
    )
    time.sleep(0.1)
    yield {"gateway": gateway, "mock": mock, "key": key["key"]}
    gateway.stop()
    mock.stop()


@pytest.fixture
def client(claude):
    return openai.OpenAI(base_url=claude["gateway"].url + "/v1", api_key=claude["key"], max_retries=0)


def last_upstream_request(claude):
    received = json.loads(raw_request("GET", claude["mock"].url + "/mock/requests").body)
    return received["requests"][-1]


def upstream_usage(claude, request_body):
    """What the mock reports for the request the gateway sent (the mock is deterministic)."""
    body = dict(request_body, stream=False)
    answer = raw_request(
        "POST", claude["mock"].url + "/v1/messages", json.dumps(body).encode(),
        {"content-type": "application/json", "x-api-key": "sk-ant-secret"},
    ).json()
    return answer["usage"]


def test_a_plain_answer(client, claude):
    raw = client.chat.completions.with_raw_response.create(model="claude", messages=QUESTION, seed=7)
    completion = raw.parse()
    validate(json.loads(raw.http_response.text), "CreateChatCompletionResponse")
    assert completion.choices[0].message.content.startswith("[claude-mock]")
    assert completion.choices[0].finish_reason == "stop"
    assert raw.headers["x-switchyard-provider"] == "anthropic"
    assert raw.headers["x-switchyard-dropped"] == "seed"

    sent = last_upstream_request(claude)
    assert sent["authorization"] == "sk-ant-secret"  # as x-api-key
    body = json.loads(sent["body"])
    assert body["system"] == "Answer briefly."
    assert body["max_tokens"] == 512
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]}]
    usage = upstream_usage(claude, body)
    assert completion.usage.prompt_tokens == usage["input_tokens"]
    assert completion.usage.completion_tokens == usage["output_tokens"]


def test_a_streamed_answer_with_usage(client, claude):
    stream = client.chat.completions.create(
        model="claude", messages=QUESTION, stream=True, stream_options={"include_usage": True}, max_tokens=6
    )
    chunks = list(stream)
    for chunk in chunks:
        validate(chunk.model_dump(mode="json", exclude_unset=True), "CreateChatCompletionStreamResponse")
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text.startswith("[claude-mock]")
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"
    assert chunks[-1].choices == []
    body = json.loads(last_upstream_request(claude)["body"])
    assert body["stream"] is True and body["max_tokens"] == 6
    usage = upstream_usage(claude, body)
    assert chunks[-1].usage.prompt_tokens == usage["input_tokens"]
    assert chunks[-1].usage.completion_tokens == usage["output_tokens"] == 6


def test_a_stream_without_usage_hides_it(client):
    chunks = list(client.chat.completions.create(model="claude", messages=QUESTION, stream=True))
    assert all(chunk.choices for chunk in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


@pytest.mark.parametrize("stream", [False, True])
def test_a_tool_call_round_trip(client, claude, stream):
    if stream:
        chunks = list(client.chat.completions.create(model="claude", messages=QUESTION, tools=[WEATHER_TOOL], stream=True))
        calls = {}
        for chunk in chunks:
            validate(chunk.model_dump(mode="json", exclude_unset=True), "CreateChatCompletionStreamResponse")
            for call in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
                entry = calls.setdefault(call.index, {"id": None, "name": None, "arguments": ""})
                entry["id"] = call.id or entry["id"]
                entry["name"] = (call.function.name if call.function else None) or entry["name"]
                entry["arguments"] += (call.function.arguments or "") if call.function else ""
        assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"
        call = calls[0]
        call_id, name, arguments = call["id"], call["name"], call["arguments"]
    else:
        completion = client.chat.completions.create(model="claude", messages=QUESTION, tools=[WEATHER_TOOL])
        assert completion.choices[0].finish_reason == "tool_calls"
        call = completion.choices[0].message.tool_calls[0]
        call_id, name, arguments = call.id, call.function.name, call.function.arguments
    assert name == "get_weather"
    assert json.loads(arguments) == {"city": "mock"}

    follow_up = QUESTION + [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}]},
        {"role": "tool", "tool_call_id": call_id, "content": "sunny, 21C"},
    ]
    answer = client.chat.completions.create(model="claude", messages=follow_up, tools=[WEATHER_TOOL])
    assert "tool said: sunny, 21C" in answer.choices[0].message.content
    sent = json.loads(last_upstream_request(claude)["body"])
    assert sent["messages"][1]["content"][0] == {"type": "tool_use", "id": call_id, "name": name, "input": {"city": "mock"}}
    assert sent["messages"][2]["content"][0]["type"] == "tool_result"


def test_an_unsupported_parameter_is_refused_when_configured(claude):
    response = raw_request(
        "POST", claude["gateway"].url + "/v1/chat/completions",
        json.dumps({"model": "strict/claude-strict", "messages": QUESTION, "logprobs": True}).encode(),
        {"content-type": "application/json", "authorization": "Bearer " + claude["key"]},
    )
    assert response.status_code == 400
    validate(response.json(), "ErrorResponse")
    assert response.json()["error"]["param"] == "logprobs"


@pytest.mark.parametrize("message, param", [
    ({"role": "tool", "tool_call_id": "nope", "content": "x"}, "messages[0].tool_call_id"),
    ({"role": "user", "content": [{"type": "input_audio"}]}, "messages[0].content[0].type"),
    ({"role": "user", "content": 42}, "messages[0].content"),
])
def test_bad_messages_name_the_field(claude, message, param):
    response = raw_request(
        "POST", claude["gateway"].url + "/v1/chat/completions",
        json.dumps({"model": "claude", "messages": [message]}).encode(),
        {"content-type": "application/json", "authorization": "Bearer " + claude["key"]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


def test_a_wrong_provider_key_becomes_the_gateways_502_without_the_key(tmp_path, claude):
    routes = tmp_path / "Routes"
    routes.mkdir()
    (routes / "gateway.yaml").write_text(yaml.safe_dump({
        "ledger": f"sqlite:{tmp_path / 'ledger.db'}",
        "providers": [{"name": "anthropic", "dialect": "anthropic", "base_url": claude["mock"].url, "api_key": "env:ANTHROPIC_KEY",
                       "models": [{"name": "claude-sonnet-4-5", "input_per_mtok": 3, "output_per_mtok": 15, "currency": "USD"}]}],
        "routes": [{"name": "claude", "targets": ["anthropic/claude-sonnet-4-5"]}],
        "tenants": [{"name": "demo"}],
    }))
    key = create_key(routes)["key"]
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off"], cwd=tmp_path,
                      env=dict(os.environ, ANTHROPIC_KEY="sk-ant-wrong-key"))
    try:
        client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0)
        with pytest.raises(openai.InternalServerError) as raised:
            client.chat.completions.create(model="claude", messages=QUESTION)
        assert raised.value.status_code == 502
        assert "anthropic" in str(raised.value) and "sk-ant-wrong-key" not in str(raised.value)
    finally:
        gateway.stop()
    assert "sk-ant-wrong-key" not in gateway.log
