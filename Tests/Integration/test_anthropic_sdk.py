"""The official `anthropic` Python SDK pointed at the gateway: an Anthropic-SDK app runs on an
OpenAI-dialect provider (translated) and on an Anthropic one (passed through)."""
import json
import os
import tempfile
import time
from pathlib import Path

import anthropic
import pytest
import yaml

from conftest import BIN, Process, create_key, mock_provider, raw_request

WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
QUESTION = [{"role": "user", "content": "Weather in Paris?"}]


@pytest.fixture(scope="module")
def stack():
    gpt = mock_provider("gpt-mock", "--require-key", "sk-openai-secret", "--output-tokens", "10")
    claude = mock_provider("claude-mock", "--dialect", "anthropic", "--require-key", "sk-ant-secret", "--output-tokens", "10")
    gemini = mock_provider("gemini-mock", "--dialect", "gemini", "--require-key", "sk-gemini-secret", "--output-tokens", "10")
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-anthropic-sdk-"))
    routes = tmp / "Routes"
    routes.mkdir()
    price = {"input_per_mtok": 1, "output_per_mtok": 2, "currency": "USD"}
    (routes / "gateway.yaml").write_text(yaml.safe_dump({
        "ledger": f"sqlite:{tmp / 'ledger.db'}",
        "providers": [
            {"name": "openai", "dialect": "openai", "base_url": gpt.url + "/v1", "api_key": "env:OPENAI_KEY",
             "models": [dict(name="gpt-4o-mini", **price)]},
            {"name": "anthropic", "dialect": "anthropic", "base_url": claude.url, "api_key": "env:ANTHROPIC_KEY",
             "models": [dict(name="claude-sonnet-4-5", **price)]},
            {"name": "google", "dialect": "gemini", "base_url": gemini.url + "/v1beta", "api_key": "env:GEMINI_KEY",
             "models": [dict(name="gemini-2.5-flash", **price)]},
        ],
        "routes": [
            {"name": "chat", "targets": ["openai/gpt-4o-mini"]},
            {"name": "claude", "targets": ["anthropic/claude-sonnet-4-5"]},
            {"name": "gemini", "targets": ["google/gemini-2.5-flash"]},
        ],
        "tenants": [{"name": "demo"}],
    }, sort_keys=False))
    key = create_key(routes)["key"]
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off"], cwd=tmp,
                      env=dict(os.environ, OPENAI_KEY="sk-openai-secret", ANTHROPIC_KEY="sk-ant-secret",
                              GEMINI_KEY="sk-gemini-secret"))
    time.sleep(0.1)
    yield {"gateway": gateway, "gpt": gpt, "claude": claude, "gemini": gemini, "key": key}
    for process in (gateway, gpt, claude, gemini):
        process.stop()


@pytest.fixture
def client(stack):
    return anthropic.Anthropic(base_url=stack["gateway"].url, api_key=stack["key"], max_retries=0)


def sent_to(stack, mock):
    received = json.loads(raw_request("GET", stack[mock].url + "/mock/requests").body)
    return json.loads(received["requests"][-1]["body"])


def openai_usage(stack, body):
    """What the OpenAI mock reports for the request the gateway sent (it is deterministic)."""
    body = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
    answer = raw_request("POST", stack["gpt"].url + "/v1/chat/completions", json.dumps(body).encode(),
                         {"content-type": "application/json", "authorization": "Bearer sk-openai-secret"}).json()
    return answer["usage"]


def test_a_message_on_an_openai_provider(client, stack):
    message = client.messages.create(model="chat", max_tokens=100, system="Be brief.", messages=QUESTION)
    assert message.content[0].type == "text"
    assert message.content[0].text.startswith("[gpt-mock]")
    assert message.stop_reason == "end_turn"
    body = sent_to(stack, "gpt")
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["max_tokens"] == 100
    usage = openai_usage(stack, body)
    assert message.usage.input_tokens == usage["prompt_tokens"]
    assert message.usage.output_tokens == usage["completion_tokens"]


def test_a_streamed_message_carries_the_providers_usage(client, stack):
    with client.messages.stream(model="chat", max_tokens=6, messages=QUESTION) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text.startswith("[gpt-mock]")
    assert final.stop_reason == "max_tokens"
    body = sent_to(stack, "gpt")
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    usage = openai_usage(stack, body)
    assert final.usage.input_tokens == usage["prompt_tokens"]
    assert final.usage.output_tokens == usage["completion_tokens"] == 6


@pytest.mark.parametrize("stream", [False, True])
def test_a_tool_call_round_trip_on_an_openai_provider(client, stack, stream):
    if stream:
        with client.messages.stream(model="chat", max_tokens=200, messages=QUESTION, tools=[WEATHER_TOOL]) as events:
            first = events.get_final_message()
    else:
        first = client.messages.create(model="chat", max_tokens=200, messages=QUESTION, tools=[WEATHER_TOOL])
    assert first.stop_reason == "tool_use"
    call = next(block for block in first.content if block.type == "tool_use")
    assert call.name == "get_weather" and call.input == {"city": "mock"}

    follow_up = QUESTION + [
        {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "sunny, 21C"}]},
    ]
    answer = client.messages.create(model="chat", max_tokens=200, messages=follow_up, tools=[WEATHER_TOOL])
    assert "tool said: sunny, 21C" in answer.content[0].text
    body = sent_to(stack, "gpt")
    assert body["messages"][-1] == {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21C"}
    assert body["messages"][-2]["tool_calls"][0]["function"]["name"] == "get_weather"


def test_gemini_behind_the_anthropic_sdk(client, stack):
    message = client.messages.create(model="gemini", max_tokens=50, system="Be brief.", messages=QUESTION)
    assert message.content[0].text.startswith("[gemini-mock]")
    body = sent_to(stack, "gemini")
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert body["generationConfig"]["maxOutputTokens"] == 50
    with client.messages.stream(model="gemini", max_tokens=50, messages=QUESTION, tools=[WEATHER_TOOL]) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    call = next(block for block in final.content if block.type == "tool_use")
    assert call.input == {"city": "mock"}
    assert final.usage.output_tokens == 18  # ten words and the call, as the mock counts them
    follow_up = QUESTION + [
        {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in final.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "sunny"}]},
    ]
    answer = client.messages.create(model="gemini", max_tokens=50, messages=follow_up, tools=[WEATHER_TOOL])
    assert "tool said: sunny" in answer.content[0].text


def test_an_anthropic_provider_is_passed_through(client, stack):
    message = client.messages.create(model="claude", max_tokens=50, messages=QUESTION)
    assert message.content[0].text.startswith("[claude-mock]")
    assert sent_to(stack, "claude")["model"] == "claude-sonnet-4-5"
    with client.messages.stream(model="claude", max_tokens=50, messages=QUESTION) as stream:
        assert "".join(stream.text_stream).startswith("[claude-mock]")
        assert stream.get_final_message().usage.output_tokens == 10


def test_bearer_auth_as_current_sdks_send_it(stack):
    client = anthropic.Anthropic(base_url=stack["gateway"].url, auth_token=stack["key"], max_retries=0)
    assert client.messages.create(model="chat", max_tokens=20, messages=QUESTION).content[0].text


def test_errors_come_in_anthropics_envelope(stack):
    bad_key = anthropic.Anthropic(base_url=stack["gateway"].url, api_key="sy-nope", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as raised:
        bad_key.messages.create(model="chat", max_tokens=20, messages=QUESTION)
    assert raised.value.body["error"]["type"] == "authentication_error"

    client = anthropic.Anthropic(base_url=stack["gateway"].url, api_key=stack["key"], max_retries=0)
    with pytest.raises(anthropic.NotFoundError):
        client.messages.create(model="no-such-route", max_tokens=20, messages=QUESTION)
    with pytest.raises(anthropic.BadRequestError) as raised:
        client.messages.create(model="chat", max_tokens=20, messages=[
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_x", "content": "x"}]}])
    assert "tool_use_id" in raised.value.body["error"]["message"]
    response = raw_request("POST", stack["gateway"].url + "/v1/messages", b'{"model":"chat","messages":[]}',
                           {"content-type": "application/json", "x-api-key": stack["key"]})
    assert response.status_code == 400
    assert response.json()["type"] == "error" and response.json()["error"]["type"] == "invalid_request_error"


def test_count_tokens_estimates(client):
    count = client.messages.count_tokens(model="chat", messages=QUESTION)
    assert count.input_tokens > 0
