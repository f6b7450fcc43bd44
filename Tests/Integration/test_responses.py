"""OpenAI's Responses API (`POST /v1/responses`) through the official openai SDK, on OpenAI-compatible,
Anthropic and Gemini targets (each reached through the canonical model) — checked on both ends: what the
app got (every Response and stream event validated against the schemas) and what the provider received."""
import json
import subprocess

import openai
import pytest
from pydantic import BaseModel

from conftest import BIN, ledger_records, raw_request
from fidelity_stack import MODELS, ROUTE, stack  # noqa: F401 (the module-scoped fixture)
from openapi_contract import validate

DIALECTS = ["openai", "anthropic", "gemini"]
WEATHER = {"type": "function", "name": "get_weather", "description": "Current weather for a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


class City(BaseModel):
    name: str
    population: int


@pytest.fixture
def oa(stack):
    stack.reset()
    return openai.OpenAI(base_url=stack.url + "/v1", api_key=stack.key, max_retries=0)


def user_text(dialect, body):
    """The user turns' text as the provider received them."""
    if dialect == "openai":
        return [m["content"] if isinstance(m["content"], str) else "".join(p.get("text", "") for p in m["content"])
                for m in body["messages"] if m["role"] == "user"]
    if dialect == "anthropic":
        return ["".join(b.get("text", "") for b in m["content"]) if isinstance(m["content"], list) else m["content"]
                for m in body["messages"] if m["role"] == "user" and not any(
                    isinstance(b, dict) and b.get("type") == "tool_result" for b in m["content"])]
    return ["".join(p.get("text", "") for p in c["parts"]) for c in body["contents"]
            if c["role"] == "user" and not any("functionResponse" in p for p in c["parts"])]


def system_text(dialect, body):
    if dialect == "openai":
        return [m["content"] for m in body["messages"] if m["role"] == "system"]
    if dialect == "anthropic":
        system = body.get("system")
        return [system] if isinstance(system, str) else [b["text"] for b in system or []]
    return [p["text"] for p in body.get("systemInstruction", {}).get("parts", [])]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_plain_response(stack, oa, dialect):
    raw = oa.responses.with_raw_response.create(
        model=ROUTE[dialect], instructions="Answer briefly.", input="What is a switchyard?", max_output_tokens=50,
        metadata={"ticket": "42"})
    validate(json.loads(raw.http_response.text), "Response")
    response = raw.parse()
    assert response.status == "completed" and response.object == "response"
    assert response.output_text.startswith(f"[{dialect}-mock]")
    assert response.metadata == {"ticket": "42"} and response.store is True  # kept by the gateway
    assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0
    body, _ = stack.received(dialect)
    assert user_text(dialect, body) == ["What is a switchyard?"]
    assert system_text(dialect, body) == ["Answer briefly."]
    assert ledger_records(stack.routes, lambda r: r["route"] == ROUTE[dialect] and r["dialect_in"] == "openai-responses" and r["operation"] == "responses"
                          and r["output_tokens"] == response.usage.output_tokens)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_streamed_response(stack, oa, dialect):
    events = list(oa.responses.create(model=ROUTE[dialect], input="Stream please.", stream=True))
    for event in events:
        validate(event.model_dump(mode="json", exclude_unset=True), "ResponseStreamEvent")
    types = [e.type for e in events]
    assert types[:2] == ["response.created", "response.in_progress"] and types[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert {"response.output_item.added", "response.content_part.added", "response.output_text.delta",
            "response.output_text.done", "response.output_item.done"} <= set(types)
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    final = events[-1].response
    assert text.startswith(f"[{dialect}-mock]") and final.output_text == text
    assert final.usage.output_tokens > 0
    assert user_text(dialect, stack.received(dialect)[0]) == ["Stream please."]


def test_the_sdks_stream_helper(stack, oa):
    with oa.responses.stream(model="claude", input="Hello there.") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert final.output_text == "".join(deltas) and final.output_text.startswith("[anthropic-mock]")


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("streamed", [False, True])
def test_a_function_tool_round_trip(stack, oa, dialect, streamed):
    question = [{"role": "user", "content": "Weather in Oslo?"}]
    if streamed:
        with oa.responses.stream(model=ROUTE[dialect], input=question, tools=[WEATHER]) as stream:
            first = stream.get_final_response()
    else:
        first = oa.responses.create(model=ROUTE[dialect], input=question, tools=[WEATHER])
    validate(first.model_dump(mode="json", exclude_unset=True), "Response")
    calls = [item for item in first.output if item.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "get_weather" and json.loads(calls[0].arguments) == {"city": "mock"}
    body, _ = stack.received(dialect)
    tools = {"openai": lambda b: b["tools"][0]["function"]["name"], "anthropic": lambda b: b["tools"][0]["name"],
             "gemini": lambda b: b["tools"][0]["functionDeclarations"][0]["name"]}[dialect](body)
    assert tools == "get_weather"

    follow_up = question + [item.model_dump(exclude_unset=True) for item in first.output] + [
        {"type": "function_call_output", "call_id": calls[0].call_id, "output": "12 degrees, clear"}]
    second = oa.responses.create(model=ROUTE[dialect], input=follow_up, tools=[WEATHER])
    assert "tool said: 12 degrees, clear" in second.output_text
    body, _ = stack.received(dialect)
    if dialect == "openai":
        assert body["messages"][-1] == {"role": "tool", "tool_call_id": calls[0].call_id, "content": "12 degrees, clear"}
    elif dialect == "anthropic":
        assert body["messages"][-1]["content"][0]["type"] == "tool_result"
    else:
        assert "functionResponse" in body["contents"][-1]["parts"][0]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_structured_output_with_parse(stack, oa, dialect):
    response = oa.responses.parse(model=ROUTE[dialect], input="Name a big city.", text_format=City)
    assert isinstance(response.output_parsed, City)
    body, _ = stack.received(dialect)
    schema = {"openai": lambda b: b["response_format"]["json_schema"]["schema"],
              "anthropic": lambda b: b["output_config"]["format"]["schema"],
              "gemini": lambda b: b["generationConfig"]["responseJsonSchema"]}[dialect](body)
    assert set(schema["properties"]) == {"name", "population"}


def test_a_cut_answer_is_incomplete(stack, oa):
    response = oa.responses.create(model="oa", input="Go on and on.", max_output_tokens=2)
    assert response.status == "incomplete" and response.incomplete_details.reason == "max_output_tokens"
    events = list(oa.responses.create(model="oa", input="Go on and on.", max_output_tokens=2, stream=True))
    assert events[-1].type == "response.incomplete"


def test_images_and_earlier_turns_carry_over(stack, oa):
    oa.responses.create(model="claude", input=[
        {"role": "developer", "content": "Be terse."},
        {"role": "user", "content": [{"type": "input_text", "text": "What is this?"},
                                     {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="}]},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "A pixel."}]},
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"role": "user", "content": "And now?"}])
    body, _ = stack.received("anthropic")
    assert body["system"] in ("Be terse.", [{"type": "text", "text": "Be terse."}])
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert body["messages"][0]["content"][1]["type"] == "image"


def test_input_tokens_are_estimated(stack, oa):
    response = raw_request("POST", stack.url + "/v1/responses/input_tokens",
                           json.dumps({"model": "claude", "input": "How many tokens is this?"}).encode(),
                           {"authorization": f"Bearer {stack.key}", "content-type": "application/json"})
    assert response.status_code == 200
    assert response.json()["object"] == "response.input_tokens" and response.json()["input_tokens"] > 0


# Reasoning effort goes to a target that reasons, in its own terms, and is named dropped elsewhere.

def test_reasoning_effort_reaches_each_kind_of_target(stack, oa):
    raw = oa.responses.with_raw_response.create(model="think", input="Prove it.", reasoning={"effort": "high"})
    validate(json.loads(raw.http_response.text), "Response")
    assert raw.parse().reasoning.effort == "high" and "x-switchyard-dropped" not in raw.headers, raw.headers.get("x-switchyard-dropped")
    assert stack.received("openai")[0]["reasoning_effort"] == "high"
    # A model without `reasoning` among its capabilities doesn't get it.
    raw = oa.responses.with_raw_response.create(model="oa", input="Prove it.", reasoning={"effort": "high"})
    assert raw.headers["x-switchyard-dropped"] == "reasoning" and "reasoning_effort" not in stack.received("openai")[0]
    # Claude thinks within its output limit; its thinking stays with the provider.
    response = oa.responses.create(model="claude", input="Prove it.", reasoning={"effort": "medium"}, max_output_tokens=2000)
    body, _ = stack.received("anthropic")
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1999} and body["max_tokens"] == 2000
    assert response.output_text.startswith("[anthropic-mock]") and "Let me think" not in response.output_text
    with oa.responses.stream(model="claude", input="Prove it.", reasoning={"effort": "low"}) as stream:
        final = stream.get_final_response()
    assert stack.received("anthropic")[0]["thinking"]["budget_tokens"] == 1024
    assert final.output_text.startswith("[anthropic-mock]") and "Let me think" not in final.output_text
    # Gemini gets a thinking budget; the thought tokens are billed as output.
    response = oa.responses.create(model="gem", input="Prove it.", reasoning={"effort": "low"})
    assert stack.received("gemini")[0]["generationConfig"]["thinkingConfig"] == {"thinkingBudget": 1024}
    assert ledger_records(stack.routes, lambda r: r["route"] == "gem" and r["output_tokens"] == response.usage.output_tokens
                          and r["output_tokens"] > 6)


def test_thinking_is_left_out_where_claude_would_refuse_it(stack, oa):
    # A temperature other than 1 and thinking don't go together on Anthropic.
    raw = oa.responses.with_raw_response.create(model="claude", input="Hi.", reasoning={"effort": "high"}, temperature=0.2)
    assert raw.headers["x-switchyard-dropped"] == "reasoning" and "thinking" not in stack.received("anthropic")[0]
    # Nor a tool call awaiting its result, whose turn would need its own thinking back.
    first = oa.responses.create(model="claude", input="Weather in Oslo?", tools=[WEATHER], reasoning={"effort": "low"})
    assert "thinking" in stack.received("anthropic")[0]
    call = next(item for item in first.output if item.type == "function_call")
    raw = oa.responses.with_raw_response.create(model="claude", previous_response_id=first.id, tools=[WEATHER],
                                                reasoning={"effort": "low"},
                                                input=[{"type": "function_call_output", "call_id": call.call_id, "output": "9"}])
    assert "tool said: 9" in raw.parse().output_text and raw.headers["x-switchyard-dropped"] == "reasoning"
    assert "thinking" not in stack.received("anthropic")[0]
    # `minimal` asks for the least thinking there is: none, and nothing is dropped.
    raw = oa.responses.with_raw_response.create(model="claude", input="Hi.", reasoning={"effort": "minimal"})
    assert "x-switchyard-dropped" not in raw.headers and "thinking" not in stack.received("anthropic")[0]


def test_chat_completions_reasoning_effort_reaches_claude(stack, oa):
    raw = oa.chat.completions.with_raw_response.create(
        model="claude", messages=[{"role": "user", "content": "Prove it."}], reasoning_effort="low", max_tokens=3000)
    assert stack.received("anthropic")[0]["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert raw.parse().choices[0].message.content.startswith("[anthropic-mock]")
    with pytest.raises(openai.BadRequestError) as caught:
        oa.chat.completions.create(model="claude", messages=[{"role": "user", "content": "Hi."}], reasoning_effort="extreme")
    assert caught.value.response.json()["error"]["param"] == "reasoning_effort"


# A provider that serves the Responses API itself (`responses: true`): reached in its own dialect.

def test_a_native_provider_gets_the_request_as_sent(stack, oa):
    raw = oa.responses.with_raw_response.create(model="native", instructions="Be brief.", input="Hello.", store=True,
                                                metadata={"a": "b"})
    validate(json.loads(raw.http_response.text), "Response")
    response = raw.parse()
    assert response.output_text.startswith("[openai-mock]")
    assert raw.headers["x-switchyard-provider"] == "responses-up" and "x-switchyard-dropped" not in raw.headers
    sent = stack.last_request("openai")
    body = json.loads(sent["body"])
    assert sent["path"] == "/v1/responses"
    assert (body["model"], body["store"], body["input"], body["instructions"]) == ("gpt-4.1", False, "Hello.", "Be brief.")
    assert ledger_records(stack.routes, lambda r: r["route"] == "native" and r["dialect_in"] == "openai-responses"
                          and r["usage_source"] == "provider" and r["output_tokens"] == response.usage.output_tokens)


def test_a_native_stream_is_relayed_and_metered(stack, oa):
    events = list(oa.responses.create(model="native", input="Stream it.", stream=True))
    for event in events:
        validate(event.model_dump(mode="json", exclude_unset=True), "ResponseStreamEvent")
    final = events[-1]
    assert final.type == "response.completed" and final.response.output_text.startswith("[openai-mock]")
    assert ledger_records(stack.routes, lambda r: r["route"] == "native" and r["streamed"]
                          and r["output_tokens"] == final.response.usage.output_tokens)


def test_a_native_function_tool_round_trip(stack, oa):
    question = [{"role": "user", "content": "Weather in Oslo?"}]
    first = oa.responses.create(model="native", input=question, tools=[WEATHER])
    call = next(item for item in first.output if item.type == "function_call")
    second = oa.responses.create(model="native", tools=[WEATHER], input=question + [
        item.model_dump(exclude_unset=True) for item in first.output] + [
        {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}])
    assert "tool said: sunny" in second.output_text
    assert json.loads(stack.last_request("openai")["body"])["input"][-1]["type"] == "function_call_output"


def test_native_structured_output_with_parse(stack, oa):
    response = oa.responses.parse(model="native", input="Name a big city.", text_format=City)
    assert isinstance(response.output_parsed, City) and response.store is True
    sent = stack.last_request("openai")
    assert sent["path"] == "/v1/responses"
    assert set(json.loads(sent["body"])["text"]["format"]["schema"]["properties"]) == {"name", "population"}


def test_built_in_tools_go_only_where_they_run(stack, oa):
    raw = oa.responses.with_raw_response.create(model="claude-or-native", input="News today?",
                                                tools=[{"type": "web_search"}])
    assert raw.headers["x-switchyard-provider"] == "responses-up" and raw.headers["x-switchyard-attempts"] == "1"
    assert "[web_search]" in raw.parse().output_text
    assert json.loads(stack.last_request("openai")["body"])["tools"] == [{"type": "web_search"}]
    assert not json.loads(raw_request("GET", stack.mocks["anthropic"].url + "/mock/requests").body)["requests"]
    # Without built-in tools the same route's first target, Claude, answers through chat.
    assert oa.responses.with_raw_response.create(model="claude-or-native", input="Hi.").headers[
        "x-switchyard-provider"] == "anthropic-up"
    explained = json.loads(subprocess.run(
        [BIN, "route", "explain", "--routes", str(stack.routes), "--model", "claude-or-native", "--needs", "responses",
         "--json"], capture_output=True, text=True, check=True).stdout)
    assert explained["chosen"] == "responses-up/native"


# Conversations the gateway keeps: previous_response_id continues them on any provider.

def texts_sent(dialect, body):
    """Every turn's text as the provider received it, in order."""
    if dialect == "openai":
        return [m["content"] if isinstance(m["content"], str) else "".join(p.get("text", "") for p in m["content"])
                for m in body["messages"] if m["role"] != "system"]
    if dialect == "anthropic":
        return ["".join(b.get("text", "") for b in m["content"]) if isinstance(m["content"], list) else m["content"]
                for m in body["messages"]]
    return ["".join(p.get("text", "") for p in c["parts"]) for c in body["contents"]]


@pytest.mark.parametrize("first_dialect, second_dialect", [("openai", "anthropic"), ("anthropic", "gemini"),
                                                           ("gemini", "openai")])
def test_a_conversation_continues_on_another_provider(stack, oa, first_dialect, second_dialect):
    first = oa.responses.create(model=ROUTE[first_dialect], input="My name is Ada.")
    assert first.store is True
    second = oa.responses.create(model=ROUTE[second_dialect], previous_response_id=first.id, input="What is my name?")
    assert second.previous_response_id == first.id and second.output_text.startswith(f"[{second_dialect}-mock]")
    body, _ = stack.received(second_dialect)
    assert texts_sent(second_dialect, body) == ["My name is Ada.", first.output_text, "What is my name?"]
    # A third turn carries both earlier ones.
    third = oa.responses.create(model=ROUTE[first_dialect], previous_response_id=second.id, input="Thanks.")
    body, _ = stack.received(first_dialect)
    assert texts_sent(first_dialect, body) == [
        "My name is Ada.", first.output_text, "What is my name?", second.output_text, "Thanks."]
    assert third.output_text


def test_a_streamed_answer_is_kept_too(stack, oa):
    with oa.responses.stream(model="gem", input="Remember 42.") as stream:
        first = stream.get_final_response()
    oa.responses.create(model="oa", previous_response_id=first.id, input="What number?")
    body, _ = stack.received("openai")
    assert texts_sent("openai", body) == ["Remember 42.", first.output_text, "What number?"]


def test_a_tool_round_trip_through_previous_response_id(stack, oa):
    first = oa.responses.create(model="claude", input="Weather in Oslo?", tools=[WEATHER])
    call = next(item for item in first.output if item.type == "function_call")
    second = oa.responses.create(model="gem", previous_response_id=first.id, tools=[WEATHER], input=[
        {"type": "function_call_output", "call_id": call.call_id, "output": "12 degrees"}])
    assert "tool said: 12 degrees" in second.output_text
    body, _ = stack.received("gemini")
    assert body["contents"][1]["parts"][-1]["functionCall"]["name"] == "get_weather"
    assert "functionResponse" in body["contents"][2]["parts"][0]


def test_a_native_provider_continues_a_stored_conversation(stack, oa):
    first = oa.responses.create(model="claude", input="My name is Ada.")
    second = oa.responses.create(model="native", previous_response_id=first.id, input="What is my name?")
    body = json.loads(stack.last_request("openai")["body"])
    assert body["previous_response_id"] is None and body["store"] is False
    assert [item.get("role") for item in body["input"]] == ["user", "assistant", "user"]
    assert body["input"][-1]["content"] == "What is my name?"
    # The ids the gateway gave the app's messages are its own: an input message goes without.
    assert "id" not in body["input"][0] and body["input"][1]["id"] == first.output[0].id
    # The app sees what it asked for, not what the gateway asked of the provider.
    assert (second.store, second.previous_response_id) == (True, first.id)


# A native provider's answers are kept as translated ones are.

def test_a_native_answer_is_kept_retrieved_listed_and_deleted(stack, oa):
    raw = oa.responses.with_raw_response.create(model="native", input="Remember 7.", metadata={"k": "v"})
    first = raw.parse()
    assert json.loads(stack.last_request("openai")["body"])["store"] is False
    validate(json.loads(raw.http_response.text), "Response")
    assert first.store is True and first.id.startswith("resp_mock_")
    fetched = oa.responses.retrieve(first.id)
    assert (fetched.id, fetched.output_text, fetched.store, fetched.metadata) == (first.id, first.output_text, True, {"k": "v"})
    assert fetched.usage.output_tokens == first.usage.output_tokens
    second = oa.responses.create(model="claude", previous_response_id=first.id, input="Which number?")
    body, _ = stack.received("anthropic")
    assert texts_sent("anthropic", body) == ["Remember 7.", first.output_text, "Which number?"]
    items = oa.responses.input_items.list(second.id, order="asc")
    assert [item.role for item in items.data] == ["user", "assistant", "user"] and all(item.id for item in items.data)
    assert oa.responses.delete(first.id) is None
    with pytest.raises(openai.NotFoundError):
        oa.responses.retrieve(first.id)


def test_a_native_stream_is_kept_and_says_so(stack, oa):
    with oa.responses.stream(model="native", input="Remember blue.") as stream:
        events = list(stream)
        final = stream.get_final_response()
    whole = [event.response for event in events if hasattr(event, "response")]
    assert [r.store for r in whole] == [True] * len(whole) and len(whole) == 3  # created, in_progress, completed
    assert ledger_records(stack.routes, lambda r: r["route"] == "native" and r["streamed"]
                          and r["output_tokens"] == final.usage.output_tokens)
    fetched = oa.responses.retrieve(final.id)
    assert fetched.output_text == final.output_text and fetched.status == "completed"
    third = oa.responses.create(model="gem", previous_response_id=final.id, input="Which colour?")
    body, _ = stack.received("gemini")
    assert texts_sent("gemini", body) == ["Remember blue.", final.output_text, "Which colour?"]
    assert third.previous_response_id == final.id


def test_a_native_answer_with_store_false_is_not_kept(stack, oa):
    first = oa.responses.create(model="native", input="Forget me.", store=False)
    assert first.store is False
    with pytest.raises(openai.NotFoundError):
        oa.responses.retrieve(first.id)


def test_reasoning_the_provider_did_not_keep_is_left_out_of_a_continuation(stack, oa):
    first = oa.responses.create(model="native", input="Think first.", reasoning={"effort": "low"})
    assert [item.type for item in first.output] == ["reasoning", "message"]
    second = oa.responses.create(model="native", previous_response_id=first.id, input="And then?")
    assert second.output_text.startswith("[openai-mock]")
    sent = json.loads(stack.last_request("openai")["body"])["input"]
    assert [item.get("type") for item in sent] == ["message", "message", None]
    # The whole conversation is still listed as it happened.
    items = oa.responses.input_items.list(second.id, order="asc")
    assert [item.type for item in items.data] == ["message", "reasoning", "message", "message"]


@pytest.mark.parametrize("route, dialect", [("claude", "anthropic"), ("native", "openai")])
def test_item_references_name_items_of_the_conversation(stack, oa, route, dialect):
    first = oa.responses.create(model="oa", input="The code word is fjord.")
    said = oa.responses.input_items.list(first.id).data[0]
    second = oa.responses.create(model=route, previous_response_id=first.id, input=[
        {"type": "item_reference", "id": said.id}, {"role": "user", "content": "Repeat it."}])
    assert second.output_text
    if dialect == "anthropic":
        body, _ = stack.received("anthropic")
        assert texts_sent("anthropic", body) == [
            "The code word is fjord.", first.output_text, "The code word is fjord.Repeat it."]  # two items, one turn
    else:
        sent = json.loads(stack.last_request("openai")["body"])["input"]
        assert "item_reference" not in json.dumps(sent)
        assert sent[2]["content"] == [{"type": "input_text", "text": "The code word is fjord."}]
    with pytest.raises(openai.NotFoundError) as caught:
        oa.responses.create(model=route, previous_response_id=first.id, input=[{"type": "item_reference", "id": "msg_no"}])
    assert caught.value.response.json()["error"]["param"] == "input[0].id"


def test_retrieve_list_input_items_and_delete(stack, oa):
    first = oa.responses.create(model="oa", input="One.")
    second = oa.responses.create(model="claude", previous_response_id=first.id, input=[
        {"role": "user", "content": "Two."}])
    fetched = oa.responses.retrieve(second.id)
    validate(fetched.model_dump(mode="json", exclude_unset=True), "Response")
    assert fetched.id == second.id and fetched.output_text == second.output_text
    items = oa.responses.input_items.list(second.id, order="asc")
    assert [item.type for item in items.data] == ["message", "message", "message"]
    assert [item.role for item in items.data] == ["user", "assistant", "user"]
    assert all(item.id for item in items.data)
    page = oa.responses.input_items.list(second.id, limit=1)
    assert len(page.data) == 1 and page.has_more and page.data[0].role == "user"  # newest first
    rest = oa.responses.input_items.list(second.id, limit=5, after=page.data[0].id)
    assert [item.role for item in rest.data] == ["assistant", "user"] and not rest.has_more
    with pytest.raises(openai.BadRequestError):
        oa.responses.cancel(second.id)  # answered in the foreground: nothing to cancel
    assert oa.responses.delete(second.id) is None
    with pytest.raises(openai.NotFoundError):
        oa.responses.retrieve(second.id)
    with pytest.raises(openai.NotFoundError):
        oa.responses.delete(second.id)


def test_a_tenant_never_reads_another_tenants_responses(stack, oa):
    mine = oa.responses.create(model="oa", input="Private.")
    other = openai.OpenAI(base_url=stack.url + "/v1", api_key=stack.keys["other"], max_retries=0)
    with pytest.raises(openai.NotFoundError):
        other.responses.retrieve(mine.id)
    with pytest.raises(openai.NotFoundError):
        other.responses.create(model="oa", previous_response_id=mine.id, input="Hi.")
    with pytest.raises(openai.NotFoundError):
        other.responses.input_items.list(mine.id)
    with pytest.raises(openai.NotFoundError):
        other.responses.delete(mine.id)
    assert oa.responses.retrieve(mine.id).id == mine.id


def test_a_stored_conversation_counts_against_the_context_window(stack, oa):
    first = oa.responses.create(model="oa", input="x" * 1400)
    with pytest.raises(openai.BadRequestError) as caught:
        oa.responses.create(model="small", previous_response_id=first.id, input="Summarise.")
    assert caught.value.response.json()["error"]["code"] == "context_length_exceeded"
    counted = raw_request("POST", stack.url + "/v1/responses/input_tokens",
                          json.dumps({"model": "oa", "previous_response_id": first.id, "input": "Summarise."}).encode(),
                          {"authorization": f"Bearer {stack.key}", "content-type": "application/json"}).json()
    assert counted["input_tokens"] > 350


def test_store_false_keeps_nothing(stack, oa):
    response = oa.responses.create(model="oa", input="Forget me.", store=False)
    assert response.store is False
    with pytest.raises(openai.NotFoundError):
        oa.responses.retrieve(response.id)


def test_a_retention_none_policy_keeps_nothing(stack):
    sealed = openai.OpenAI(base_url=stack.url + "/v1", api_key=stack.keys["sealed"], max_retries=0)
    response = sealed.responses.create(model="claude", input="Secret.")
    assert response.store is False
    with pytest.raises(openai.NotFoundError):
        sealed.responses.retrieve(response.id)
    with pytest.raises(openai.BadRequestError) as caught:
        sealed.responses.create(model="claude", previous_response_id=response.id, input="More.")
    error = caught.value.response.json()["error"]
    assert error["param"] == "previous_response_id" and "keep-nothing" in error["message"]


# Bad input: clear errors in OpenAI's shape, nothing sent upstream.

@pytest.mark.parametrize("body, status, param", [
    ({"model": "claude", "input": "hi", "previous_response_id": "resp_unknown"}, 404, "previous_response_id"),
    ({"model": "claude", "input": "hi", "tools": [{"type": "web_search"}]}, 400, "tools"),
    ({"model": "claude", "input": [{"type": "function_call_output", "call_id": "call_x", "output": "1"}]}, 400,
     "input[0].call_id"),
    ({"model": "claude", "input": [{"type": "telepathy"}]}, 400, "input[0].type"),
    ({"model": "claude", "input": [{"role": "robot", "content": "hi"}]}, 400, "input[0].role"),
    ({"model": "claude", "input": [{"role": "user", "content": [{"type": "input_image", "file_id": "file_1"}]}]}, 400,
     "input[0].content[0].image_url"),
    ({"model": "claude", "input": [{"type": "item_reference", "id": "msg_1"}]}, 404, "input[0].id"),
    ({"model": "claude"}, 400, "input"),
    ({"model": "claude", "input": 7}, 400, "input"),
    ({"model": "claude", "input": "hi", "max_output_tokens": 0}, 400, "max_output_tokens"),
    ({"model": "claude", "input": "hi", "text": {"format": {"type": "yaml"}}}, 400, "text.format.type"),
    ({"model": "claude", "input": "hi", "tool_choice": {"type": "file_search"}}, 400, "tool_choice"),
    ({"model": "claude", "input": "hi", "reasoning": {"effort": "extreme"}}, 400, "reasoning.effort"),
    ({"input": "hi"}, 400, "model"),
])
def test_bad_input(stack, body, status, param):
    stack.reset()
    response = raw_request("POST", stack.url + "/v1/responses", json.dumps(body).encode(),
                           {"authorization": f"Bearer {stack.key}", "content-type": "application/json"})
    assert response.status_code == status, response.body
    validate(response.json(), "ErrorResponse")
    assert response.json()["error"]["param"] == param
    assert not json.loads(raw_request("GET", stack.mocks["anthropic"].url + "/mock/requests").body)["requests"]


# The OpenAI Agents SDK with its default model (the Responses API), on an Anthropic route.

def test_an_agent_with_a_function_tool_runs_on_claude(stack):
    import asyncio

    from agents import Agent, Runner, function_tool, set_default_openai_api, set_default_openai_client, set_tracing_disabled

    stack.reset()
    looked_up = []

    @function_tool
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        looked_up.append(city)
        return f"sunny in {city}"

    set_tracing_disabled(True)
    set_default_openai_client(openai.AsyncOpenAI(base_url=stack.url + "/v1", api_key=stack.key, max_retries=0),
                              use_for_tracing=False)
    set_default_openai_api("responses")
    agent = Agent(name="forecaster", instructions="Use the tool.", tools=[get_weather], model="claude")
    result = asyncio.run(Runner.run(agent, "What's the weather in Oslo?"))
    assert looked_up == ["mock"]  # the mock calls the tool with its schema's required fields
    assert "tool said: sunny in mock" in result.final_output
    body, _ = stack.received("anthropic")
    assert body["system"] in ("Use the tool.", [{"type": "text", "text": "Use the tool."}])
    assert body["tools"][0]["name"] == "get_weather"
    assert body["messages"][-1]["content"][0]["type"] == "tool_result"


def test_stored_conversations_survive_a_restart():
    from fidelity_stack import FidelityStack
    own = FidelityStack()
    try:
        client = openai.OpenAI(base_url=own.url + "/v1", api_key=own.key, max_retries=0)
        first = client.responses.create(model="oa", input="Before the restart.")
        own.restart()
        client = openai.OpenAI(base_url=own.url + "/v1", api_key=own.key, max_retries=0)
        assert client.responses.retrieve(first.id).output_text == first.output_text
        client.responses.create(model="claude", previous_response_id=first.id, input="After.")
        body, _ = own.received("anthropic")
        assert texts_sent("anthropic", body) == ["Before the restart.", first.output_text, "After."]
    finally:
        own.stop()
