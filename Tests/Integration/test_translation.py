"""The official `openai` SDK against providers that speak Anthropic's Messages API and Gemini's
generateContent: the gateway translates requests, answers, streams and tool calls both ways."""
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
MODELS = {"anthropic": "claude-sonnet-4-5", "gemini": "gemini-2.5-flash"}
SUFFIX = {"anthropic": "", "gemini": "/v1beta"}


@pytest.fixture(scope="module", params=["anthropic", "gemini"])
def upstream(request):
    """A mock speaking `dialect` (it checks its key) behind a gateway route `chat`."""
    dialect = request.param
    mock = mock_provider(f"{dialect}-mock", "--dialect", dialect, "--require-key", "sk-up-secret", "--output-tokens", "10")
    tmp = Path(tempfile.mkdtemp(prefix=f"switchyard-{dialect}-"))
    routes = tmp / "Routes"
    routes.mkdir()
    price = {"input_per_mtok": 3, "output_per_mtok": 15, "currency": "USD"}
    provider = {"dialect": dialect, "base_url": mock.url + SUFFIX[dialect], "api_key": "env:UPSTREAM_KEY"}
    config = {
        "ledger": f"sqlite:{tmp / 'ledger.db'}",
        "providers": [
            dict(provider, name="up", default_max_tokens=512, models=[dict(name=MODELS[dialect], **price)]),
            dict(provider, name="strict", unsupported_parameters="reject",
                 models=[dict(name="strict-model", upstream=MODELS[dialect], **price)]),
        ],
        "routes": [{"name": "chat", "targets": [f"up/{MODELS[dialect]}"]}],
        "tenants": [{"name": "demo"}],
    }
    (routes / "gateway.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    key = create_key(routes)
    gateway = Process(
        [BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off"], cwd=tmp,
        env=dict(os.environ, UPSTREAM_KEY="sk-up-secret"),
    )
    time.sleep(0.1)
    yield {"dialect": dialect, "gateway": gateway, "mock": mock, "key": key["key"], "config": config}
    gateway.stop()
    mock.stop()


@pytest.fixture
def client(upstream):
    return openai.OpenAI(base_url=upstream["gateway"].url + "/v1", api_key=upstream["key"], max_retries=0)


def last_upstream_request(upstream):
    received = json.loads(raw_request("GET", upstream["mock"].url + "/mock/requests").body)
    return received["requests"][-1]


def upstream_usage(upstream, body):
    """(input, output) the mock reports for the request the gateway sent (it is deterministic)."""
    mock = upstream["mock"].url
    if upstream["dialect"] == "anthropic":
        answer = raw_request("POST", mock + "/v1/messages", json.dumps(dict(body, stream=False)).encode(),
                            {"content-type": "application/json", "x-api-key": "sk-up-secret"}).json()
        return answer["usage"]["input_tokens"], answer["usage"]["output_tokens"]
    answer = raw_request("POST", f"{mock}/v1beta/models/{MODELS['gemini']}:generateContent", json.dumps(body).encode(),
                         {"content-type": "application/json", "x-goog-api-key": "sk-up-secret"}).json()
    return answer["usageMetadata"]["promptTokenCount"], answer["usageMetadata"]["candidatesTokenCount"]


def test_a_plain_answer(client, upstream):
    raw = client.chat.completions.with_raw_response.create(model="chat", messages=QUESTION, seed=7)
    completion = raw.parse()
    validate(json.loads(raw.http_response.text), "CreateChatCompletionResponse")
    assert completion.choices[0].message.content.startswith(f"[{upstream['dialect']}-mock]")
    assert completion.choices[0].finish_reason == "stop"
    assert raw.headers["x-switchyard-provider"] == "up"
    assert raw.headers["x-switchyard-dropped"] == "seed"

    sent = last_upstream_request(upstream)
    assert sent["authorization"] == "sk-up-secret"  # x-api-key / x-goog-api-key
    body = json.loads(sent["body"])
    if upstream["dialect"] == "anthropic":
        assert body["system"] == "Answer briefly." and body["max_tokens"] == 512
        assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]}]
    else:
        assert body["systemInstruction"] == {"parts": [{"text": "Answer briefly."}]}
        assert body["contents"] == [{"role": "user", "parts": [{"text": "Weather in Paris?"}]}]
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == upstream_usage(upstream, body)


def test_a_streamed_answer_with_usage(client, upstream):
    stream = client.chat.completions.create(
        model="chat", messages=QUESTION, stream=True, stream_options={"include_usage": True}, max_tokens=6
    )
    chunks = list(stream)
    for chunk in chunks:
        validate(chunk.model_dump(mode="json", exclude_unset=True), "CreateChatCompletionStreamResponse")
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text.startswith(f"[{upstream['dialect']}-mock]")
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"
    assert chunks[-1].choices == []
    body = json.loads(last_upstream_request(upstream)["body"])
    input_tokens, output_tokens = upstream_usage(upstream, body)
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (input_tokens, output_tokens)
    assert output_tokens == 6


def test_a_stream_without_usage_hides_it(client):
    chunks = list(client.chat.completions.create(model="chat", messages=QUESTION, stream=True))
    assert all(chunk.choices for chunk in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


@pytest.mark.parametrize("stream", [False, True])
def test_a_tool_call_round_trip(client, upstream, stream):
    if stream:
        chunks = list(client.chat.completions.create(model="chat", messages=QUESTION, tools=[WEATHER_TOOL], stream=True))
        calls = {}
        for chunk in chunks:
            validate(chunk.model_dump(mode="json", exclude_unset=True), "CreateChatCompletionStreamResponse")
            for call in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
                entry = calls.setdefault(call.index, {"id": None, "name": None, "arguments": ""})
                entry["id"] = call.id or entry["id"]
                entry["name"] = (call.function.name if call.function else None) or entry["name"]
                entry["arguments"] += (call.function.arguments or "") if call.function else ""
        assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"
        call_id, name, arguments = calls[0]["id"], calls[0]["name"], calls[0]["arguments"]
    else:
        completion = client.chat.completions.create(model="chat", messages=QUESTION, tools=[WEATHER_TOOL])
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
    answer = client.chat.completions.create(model="chat", messages=follow_up, tools=[WEATHER_TOOL])
    assert "tool said: sunny, 21C" in answer.choices[0].message.content
    sent = json.loads(last_upstream_request(upstream)["body"])
    if upstream["dialect"] == "anthropic":
        assert sent["messages"][1]["content"][0] == {"type": "tool_use", "id": call_id, "name": name, "input": {"city": "mock"}}
        assert sent["messages"][2]["content"][0]["type"] == "tool_result"
    else:
        assert sent["contents"][1] == {"role": "model", "parts": [{"functionCall": {"name": name, "args": {"city": "mock"}}}]}
        assert sent["contents"][2]["parts"][0]["functionResponse"] == {"name": name, "response": {"result": "sunny, 21C"}}


def test_an_unsupported_parameter_is_refused_when_configured(upstream):
    response = raw_request(
        "POST", upstream["gateway"].url + "/v1/chat/completions",
        json.dumps({"model": "strict/strict-model", "messages": QUESTION, "logprobs": True}).encode(),
        {"content-type": "application/json", "authorization": "Bearer " + upstream["key"]},
    )
    assert response.status_code == 400
    validate(response.json(), "ErrorResponse")
    assert response.json()["error"]["param"] == "logprobs"


@pytest.mark.parametrize("message, param", [
    ({"role": "tool", "tool_call_id": "nope", "content": "x"}, "messages[0].tool_call_id"),
    ({"role": "user", "content": [{"type": "input_audio"}]}, "messages[0].content[0].type"),
    ({"role": "user", "content": 42}, "messages[0].content"),
])
def test_bad_messages_name_the_field(upstream, message, param):
    response = raw_request(
        "POST", upstream["gateway"].url + "/v1/chat/completions",
        json.dumps({"model": "chat", "messages": [message]}).encode(),
        {"content-type": "application/json", "authorization": "Bearer " + upstream["key"]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


def test_a_wrong_provider_key_becomes_the_gateways_502_without_the_key(tmp_path, upstream):
    routes = tmp_path / "Routes"
    routes.mkdir()
    config = dict(upstream["config"], ledger=f"sqlite:{tmp_path / 'ledger.db'}")
    (routes / "gateway.yaml").write_text(yaml.safe_dump(config))
    key = create_key(routes)["key"]
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off"], cwd=tmp_path,
                      env=dict(os.environ, UPSTREAM_KEY="sk-up-wrong-key"))
    try:
        client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0)
        with pytest.raises(openai.InternalServerError) as raised:
            client.chat.completions.create(model="chat", messages=QUESTION)
        assert raised.value.status_code == 502
        assert "'up'" in str(raised.value) and "sk-up-wrong-key" not in str(raised.value)
    finally:
        gateway.stop()
    assert "sk-up-wrong-key" not in gateway.log
