"""What apps send keeps its meaning in every dialect direction — Anthropic betas, structured output,
one tool call per turn, multi-part tool results, empty turns — driven through the official SDKs and
checked on both ends: what the app got, and what the provider received."""
import json

import anthropic
import openai
import pytest
from pydantic import BaseModel

from fidelity_stack import MODELS, ROUTE, stack  # noqa: F401 (the module-scoped fixture)


class City(BaseModel):
    name: str
    population: int


WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


@pytest.fixture
def oa(stack):
    stack.reset()
    return openai.OpenAI(base_url=stack.url + "/v1", api_key=stack.key, max_retries=0)


@pytest.fixture
def claude(stack):
    stack.reset()
    return anthropic.Anthropic(base_url=stack.url, api_key=stack.key, max_retries=0)


def dropped(raw):
    return set(filter(None, raw.headers.get("x-switchyard-dropped", "").split(",")))


# 1. anthropic-beta

def test_anthropic_betas_reach_anthropic_on_the_pass_through_path(stack, claude):
    raw = claude.beta.messages.with_raw_response.create(
        model="claude", max_tokens=50, messages=[{"role": "user", "content": "hi"}],
        betas=["context-1m-2025-08-07", "interleaved-thinking-2025-05-14"])
    assert raw.parse().content[0].text.startswith("[anthropic-mock]")
    _, headers = stack.received("anthropic")
    assert headers["anthropic-beta"] == "context-1m-2025-08-07,interleaved-thinking-2025-05-14"
    assert "anthropic-beta" not in dropped(raw)


def test_an_openai_caller_sets_anthropic_betas_with_extra_headers(stack, oa):
    raw = oa.chat.completions.with_raw_response.create(
        model="claude", messages=[{"role": "user", "content": "hi"}],
        extra_headers={"anthropic-beta": "files-api-2025-04-14"})
    assert raw.parse().choices[0].message.content.startswith("[anthropic-mock]")
    _, headers = stack.received("anthropic")
    assert headers["anthropic-beta"] == "files-api-2025-04-14"


@pytest.mark.parametrize("dialect", ["openai", "gemini"])
def test_anthropic_betas_towards_other_dialects_are_dropped_and_named(stack, claude, dialect):
    raw = claude.beta.messages.with_raw_response.create(
        model=ROUTE[dialect], max_tokens=50, messages=[{"role": "user", "content": "hi"}], betas=["context-1m-2025-08-07"])
    assert raw.parse().content[0].text
    _, headers = stack.received(dialect)
    assert "anthropic-beta" not in headers
    assert "anthropic-beta" in dropped(raw)


# 2. Structured output

@pytest.mark.parametrize("dialect", ["anthropic", "gemini"])
def test_chat_completions_parse_keeps_its_schema_on_other_dialects(stack, oa, dialect):
    completion = oa.chat.completions.parse(
        model=ROUTE[dialect], messages=[{"role": "user", "content": "A city."}], response_format=City)
    assert completion.choices[0].message.parsed == City(name="mock", population=1)
    body, _ = stack.received(dialect)
    if dialect == "anthropic":
        schema = body["output_config"]["format"]["schema"]
        assert body["output_config"]["format"]["type"] == "json_schema"
    else:
        schema = body["generationConfig"]["responseJsonSchema"]
        assert body["generationConfig"]["responseMimeType"] == "application/json"
    assert schema["required"] == ["name", "population"] and schema["properties"]["population"]["type"] == "integer"


@pytest.mark.parametrize("dialect", ["anthropic", "gemini"])
def test_a_streamed_parse_keeps_its_schema(stack, oa, dialect):
    with oa.chat.completions.stream(
            model=ROUTE[dialect], messages=[{"role": "user", "content": "A city."}], response_format=City) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.parsed == City(name="mock", population=1)
    body, _ = stack.received(dialect)
    assert "output_config" in body or "responseJsonSchema" in body["generationConfig"]


@pytest.mark.parametrize("dialect", ["openai", "gemini"])
@pytest.mark.parametrize("streamed", [False, True])
def test_messages_parse_keeps_its_schema_on_other_dialects(stack, claude, dialect, streamed):
    arguments = dict(model=ROUTE[dialect], max_tokens=200, messages=[{"role": "user", "content": "A city."}],
                     output_format=City)
    if streamed:
        with claude.messages.stream(**arguments) as stream:
            message = stream.get_final_message()
    else:
        message = claude.messages.parse(**arguments)
    assert message.parsed_output == City(name="mock", population=1)
    body, _ = stack.received(dialect)
    if dialect == "openai":
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["schema"]["properties"]["name"]["type"] == "string"
        # The SDK's schema lists every property and forbids others: OpenAI's strict mode takes it.
        assert body["response_format"]["json_schema"]["strict"] is True
    else:
        assert body["generationConfig"]["responseJsonSchema"]["properties"]["population"]["type"] == "integer"


def test_json_mode_towards_anthropic_follows_the_unsupported_parameters_rule(stack, oa):
    raw = oa.chat.completions.with_raw_response.create(
        model="claude", messages=[{"role": "user", "content": "JSON"}], response_format={"type": "json_object"})
    assert "response_format" in dropped(raw)
    body, _ = stack.received("anthropic")
    assert "output_config" not in body
    with pytest.raises(openai.BadRequestError) as refused:
        oa.chat.completions.create(
            model="strict-claude", messages=[{"role": "user", "content": "JSON"}], response_format={"type": "json_object"})
    assert refused.value.body["param"] == "response_format"


# 3. Tool fidelity

def test_one_tool_call_per_turn_reaches_anthropic(stack, oa):
    oa.chat.completions.create(
        model="claude", messages=[{"role": "user", "content": "Weather in Paris and Rome?"}], parallel_tool_calls=False,
        tools=[{"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}}])
    body, _ = stack.received("anthropic")
    assert body["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}


def test_one_tool_call_per_turn_reaches_openai_and_is_named_for_gemini(stack, claude):
    tools = [{"name": "get_weather", "input_schema": WEATHER}]
    choice = {"type": "any", "disable_parallel_tool_use": True}
    claude.messages.create(model="oa", max_tokens=50, messages=[{"role": "user", "content": "Weather?"}], tools=tools,
                           tool_choice=choice)
    body, _ = stack.received("openai")
    assert body["parallel_tool_calls"] is False and body["tool_choice"] == "required"
    raw = claude.messages.with_raw_response.create(
        model="gem", max_tokens=50, messages=[{"role": "user", "content": "Weather?"}], tools=tools, tool_choice=choice)
    assert "parallel_tool_calls" in dropped(raw)


def openai_tool_history(results):
    return [
        {"role": "user", "content": "Read both files."},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "read", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": results},
    ]


READ_TOOL = [{"type": "function", "function": {"name": "read", "parameters": {"type": "object", "properties": {}}}}]
PARTS = [{"type": "text", "text": "a.txt"}, {"type": "text", "text": "b.txt"}]


def test_a_tool_result_in_parts_keeps_its_parts_on_anthropic(stack, oa):
    answer = oa.chat.completions.create(model="claude", messages=openai_tool_history(PARTS), tools=READ_TOOL)
    assert "tool said:" in answer.choices[0].message.content
    body, _ = stack.received("anthropic")
    result = body["messages"][-1]["content"][0]
    assert result["type"] == "tool_result" and result["content"] == PARTS


def test_a_tool_result_in_parts_stays_apart_on_gemini(stack, oa):
    oa.chat.completions.create(model="gem", messages=openai_tool_history(PARTS), tools=READ_TOOL)
    body, _ = stack.received("gemini")
    response = body["contents"][-1]["parts"][0]["functionResponse"]["response"]
    assert response == {"result": "a.txt\nb.txt"}


IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}


def anthropic_tool_history(results):
    return [
        {"role": "user", "content": "Read both files."},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "read", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": results}]},
    ]


def test_an_anthropic_tool_result_with_an_image_keeps_its_text_parts_on_openai_and_names_the_image(stack, claude):
    raw = claude.messages.with_raw_response.create(
        model="oa", max_tokens=50, messages=anthropic_tool_history(PARTS + [IMAGE]),
        tools=[{"name": "read", "input_schema": {"type": "object", "properties": {}}}], metadata={"user_id": "u-1"})
    assert "tool said:" in raw.parse().content[0].text
    assert {"tool_result.image", "metadata"} <= dropped(raw)
    body, _ = stack.received("openai")
    assert body["messages"][-1] == {"role": "tool", "tool_call_id": "toolu_1", "content": PARTS}


def test_an_image_in_an_openai_callers_tool_result_reaches_anthropic(stack, oa):
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    raw = oa.chat.completions.with_raw_response.create(
        model="claude", messages=openai_tool_history([PARTS[0], image]), tools=READ_TOOL)
    assert "tool_result.image" not in dropped(raw)
    body, _ = stack.received("anthropic")
    assert body["messages"][-1]["content"][0]["content"] == [PARTS[0], IMAGE]


def test_an_empty_assistant_turn_never_reaches_anthropic_as_empty_content(stack, oa):
    answer = oa.chat.completions.create(model="claude", messages=[
        {"role": "user", "content": "First."}, {"role": "assistant", "content": ""}, {"role": "user", "content": "Second."}])
    assert answer.choices[0].message.content
    body, _ = stack.received("anthropic")
    assert all(message["content"] for message in body["messages"])
    assert [message["role"] for message in body["messages"]] == ["user"]


# 6. Model lookups

def test_openai_models_retrieve_and_a_404_in_openais_shape(stack, oa):
    model = oa.models.retrieve("claude")
    assert (model.id, model.object) == ("claude", "model")
    assert oa.models.retrieve(f"anthropic-up/{MODELS['anthropic']}").owned_by == "anthropic-up"
    with pytest.raises(openai.NotFoundError) as missing:
        oa.models.retrieve("no-such-model")
    assert missing.value.body["code"] == "model_not_found"


def test_anthropic_models_list_and_retrieve_in_anthropics_shape(stack, claude):
    page = claude.models.list()
    ids = [model.id for model in page.data]
    assert "claude" in ids and all(model.type == "model" for model in page.data)
    assert claude.models.retrieve("gem").display_name == "gem"
    with pytest.raises(anthropic.NotFoundError) as missing:
        claude.models.retrieve("no-such-model")
    assert missing.value.body["error"]["type"] == "not_found_error"


def test_an_older_anthropic_client_sending_only_x_api_key_gets_anthropics_shapes(stack):
    from conftest import raw_request

    listed = raw_request("GET", stack.url + "/v1/models", headers={"x-api-key": stack.key})
    assert listed.status_code == 200 and listed.json()["has_more"] is False
    missing = raw_request("GET", stack.url + "/v1/models/no-such-model", headers={"x-api-key": stack.key})
    assert missing.status_code == 404
    assert missing.json() == {"type": "error", "error": {"type": "not_found_error", "message": missing.json()["error"]["message"]}}
