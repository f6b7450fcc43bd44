"""The official `openai` Python SDK pointed at the gateway: only base_url and api_key change."""
import json

import openai
import pytest

from conftest import raw_request
from openapi_contract import validate

MESSAGES = [{"role": "user", "content": "Which provider is cheapest today?"}]


@pytest.fixture
def client(stack):
    return openai.OpenAI(base_url=stack.base_url, api_key=stack.key["key"], max_retries=0)


def test_non_streaming_completion(client, stack):
    raw = client.chat.completions.with_raw_response.create(model="chat", messages=MESSAGES)
    completion = raw.parse()
    assert completion.choices[0].message.content.startswith("[alpha]")
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.completion_tokens == 12
    assert completion.usage.prompt_tokens > 0
    assert raw.headers["x-switchyard-route"] == "chat"
    assert raw.headers["x-switchyard-provider"] == "alpha"
    assert raw.headers["x-switchyard-model"] == "alpha-model"
    assert raw.headers["x-switchyard-request-id"]
    validate(json.loads(raw.http_response.text), "CreateChatCompletionResponse")


def test_streaming_completion(client):
    stream = client.chat.completions.create(model="chat", messages=MESSAGES, stream=True)
    chunks = list(stream)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text.startswith("[alpha]")
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(chunk.choices for chunk in chunks), "the usage chunk the client did not ask for is hidden"
    for chunk in chunks:
        validate(chunk.model_dump(mode="json", exclude_unset=True), "CreateChatCompletionStreamResponse")


def test_streaming_with_usage_requested(client, stack):
    stream = client.chat.completions.create(
        model="chat", messages=MESSAGES, stream=True, stream_options={"include_usage": True}, max_tokens=5
    )
    chunks = list(stream)
    usage = chunks[-1].usage
    assert chunks[-1].choices == []
    assert usage.completion_tokens == 5
    assert usage.total_tokens == usage.prompt_tokens + 5
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"


def test_the_provider_receives_its_own_key_and_model(client, stack):
    client.chat.completions.create(model="alpha/alpha-model", messages=MESSAGES, stream=True)
    last = stack.received("alpha")["requests"][-1]
    body = json.loads(last["body"])
    assert last["authorization"] == "Bearer sk-alpha-secret"
    assert body["model"] == "alpha-model"
    assert body["stream_options"] == {"include_usage": True}


def test_fallback_is_invisible_to_the_client(client, stack):
    raw = client.chat.completions.with_raw_response.create(model="resilient", messages=MESSAGES)
    assert raw.parse().choices[0].message.content.startswith("[alpha]")
    assert raw.headers["x-switchyard-provider"] == "alpha"
    assert raw.headers["x-switchyard-attempts"] == "2"
    stream = client.chat.completions.create(model="resilient", messages=MESSAGES, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices).startswith("[alpha]")


def test_models_list(client, stack):
    models = client.models.list()
    ids = [model.id for model in models.data]
    assert ids[:2] == ["chat", "resilient"]
    assert "alpha/alpha-model" in ids
    response = raw_request("GET", stack.base_url + "/models", headers={"authorization": f"Bearer {stack.key['key']}"})
    validate(response.json(), "ListModelsResponse")


def test_errors_raise_the_sdks_own_exceptions(stack):
    bad_key = openai.OpenAI(base_url=stack.base_url, api_key="sy-not-a-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        bad_key.chat.completions.create(model="chat", messages=MESSAGES)
    assert caught.value.code == "invalid_api_key"
    validate(caught.value.response.json(), "ErrorResponse")

    client = openai.OpenAI(base_url=stack.base_url, api_key=stack.key["key"], max_retries=0)
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="no-such-route", messages=MESSAGES)
    assert caught.value.body["param"] == "model"
    validate(caught.value.response.json(), "ErrorResponse")

    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="chat", messages=[])
    assert caught.value.body["param"] == "messages"
    validate(caught.value.response.json(), "ErrorResponse")


@pytest.mark.parametrize(
    "content_type, body, status",
    [
        ("application/json", b'{"model": "chat", ', 400),
        ("text/plain", b'{"model":"chat","messages":[{"role":"user","content":"x"}]}', 415),
        ("application/json", b'{"model":"chat","messages":[{"role":"user","content":"' + b"x" * (9 << 20) + b'"}]}', 413),
    ],
)
def test_raw_bad_input(stack, content_type, body, status):
    response = raw_request(
        "POST",
        stack.base_url + "/chat/completions",
        body=body,
        headers={"content-type": content_type, "authorization": f"Bearer {stack.key['key']}"},
        timeout=30,
    )
    assert response.status_code == status
    validate(response.json(), "ErrorResponse")
    assert response.headers["x-switchyard-request-id"]


def test_secrets_never_reach_logs_or_responses(client, stack):
    client.chat.completions.create(model="resilient", messages=MESSAGES)
    log = stack.gateway.log
    for secret in ("sk-alpha-secret", "sk-broken-secret", stack.key["key"]):
        assert secret not in log
