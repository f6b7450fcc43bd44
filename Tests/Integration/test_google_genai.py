"""The official google-genai SDK pointed at the gateway (`http_options.base_url`): generate_content,
its stream, count_tokens, a function-call round trip and model lookups — on a Gemini route (bytes
passed through) and on OpenAI and Anthropic routes (translated) — checked at the app and at the
provider, with errors in Google's envelope."""
import json

import pytest
from google import genai
from google.genai import errors, types

from conftest import ledger_records, raw_request
from fidelity_stack import MODELS, ROUTE, stack  # noqa: F401 (the module-scoped fixture)

WEATHER = types.FunctionDeclaration(
    name="get_weather", description="Current weather for a city",
    parameters_json_schema={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})


@pytest.fixture
def client(stack):
    stack.reset()
    return genai.Client(api_key=stack.key, http_options=types.HttpOptions(base_url=stack.url, api_version="v1beta"))


@pytest.mark.parametrize("dialect", ["gemini", "openai", "anthropic"])
def test_generate_content(stack, client, dialect):
    response = client.models.generate_content(
        model=ROUTE[dialect], contents="Say hello.",
        config=types.GenerateContentConfig(system_instruction="Be brief.", temperature=0.3, max_output_tokens=40))
    assert response.text.startswith(f"[{dialect}-mock]")
    assert response.usage_metadata.prompt_token_count > 0 and response.usage_metadata.candidates_token_count > 0
    body, headers = stack.received(dialect)
    if dialect == "gemini":
        assert body["generationConfig"]["temperature"] == 0.3 and body["systemInstruction"]["parts"][0]["text"] == "Be brief."
        assert headers["x-goog-api-key"] == "sk-up-secret"
    elif dialect == "openai":
        assert body["messages"][0] == {"role": "system", "content": "Be brief."} and body["max_tokens"] == 40
        assert body["model"] == MODELS["openai"]
    else:
        assert body["system"] == "Be brief." and body["max_tokens"] == 40
    usage = response.usage_metadata
    assert ledger_records(stack.routes, lambda r: r["dialect_in"] == "gemini" and r["provider"] == f"{dialect}-up"
                          and (r["input_tokens"], r["output_tokens"]) == (usage.prompt_token_count, usage.candidates_token_count))


@pytest.mark.parametrize("dialect", ["gemini", "openai", "anthropic"])
def test_generate_content_stream(stack, client, dialect):
    chunks = list(client.models.generate_content_stream(model=ROUTE[dialect], contents="Say hello."))
    text = "".join(chunk.text or "" for chunk in chunks)
    assert text.startswith(f"[{dialect}-mock]")
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    assert chunks[-1].usage_metadata.candidates_token_count > 0
    body, _ = stack.received(dialect)
    if dialect != "gemini":
        assert body["stream"] is True


@pytest.mark.parametrize("dialect", ["gemini", "openai", "anthropic"])
def test_count_tokens(client, dialect):
    assert client.models.count_tokens(model=ROUTE[dialect], contents="How many tokens is this?").total_tokens > 0


@pytest.mark.parametrize("dialect", ["gemini", "openai", "anthropic"])
@pytest.mark.parametrize("streamed", [False, True])
def test_a_function_call_round_trip(stack, client, dialect, streamed):
    config = types.GenerateContentConfig(tools=[types.Tool(function_declarations=[WEATHER])])
    question = types.Content(role="user", parts=[types.Part.from_text(text="Weather in Paris?")])
    if streamed:
        chunks = list(client.models.generate_content_stream(model=ROUTE[dialect], contents=[question], config=config))
        calls = [call for chunk in chunks for call in (chunk.function_calls or [])]
    else:
        calls = client.models.generate_content(model=ROUTE[dialect], contents=[question], config=config).function_calls
    assert len(calls) == 1 and calls[0].name == "get_weather" and calls[0].args == {"city": "mock"}
    body, _ = stack.received(dialect)
    if dialect == "openai":
        assert body["tools"][0]["function"]["parameters"]["required"] == ["city"]
    elif dialect == "anthropic":
        assert body["tools"][0]["input_schema"]["required"] == ["city"]

    answer = client.models.generate_content(model=ROUTE[dialect], config=config, contents=[
        question,
        types.Content(role="model", parts=[types.Part(function_call=calls[0])]),
        types.Content(role="user", parts=[types.Part.from_function_response(name="get_weather", response={"result": "sunny"})]),
    ])
    assert "tool said: sunny" in answer.text
    body, _ = stack.received(dialect)
    if dialect == "openai":
        call_id = body["messages"][-2]["tool_calls"][0]["id"]
        assert body["messages"][-1] == {"role": "tool", "tool_call_id": call_id, "content": "sunny"}
    elif dialect == "anthropic":
        use = body["messages"][-2]["content"][0]
        assert body["messages"][-1]["content"][0] == {"type": "tool_result", "tool_use_id": use["id"], "content": "sunny"}
    else:
        assert body["contents"][-1]["parts"][0]["functionResponse"]["response"] == {"result": "sunny"}


def test_structured_output_reaches_other_dialects(stack, client):
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "population": {"type": "integer"}},
              "required": ["name", "population"], "additionalProperties": False}
    response = client.models.generate_content(
        model="claude", contents="A city.",
        config=types.GenerateContentConfig(response_mime_type="application/json", response_json_schema=schema))
    assert json.loads(response.text) == {"name": "mock", "population": 1}
    body, _ = stack.received("anthropic")
    assert body["output_config"]["format"]["schema"] == schema


def test_model_lookups(stack, client):
    names = [model.name for model in client.models.list()]
    assert "models/gem" in names and f"models/openai-up/{MODELS['openai']}" in names
    assert client.models.get(model="claude").name == "models/claude"
    with pytest.raises(errors.ClientError) as missing:
        client.models.get(model="no-such-model")
    assert missing.value.code == 404 and missing.value.status == "NOT_FOUND"


def test_the_key_may_come_as_a_query_parameter(stack):
    answer = raw_request("POST", f"{stack.url}/v1beta/models/gem:generateContent?key={stack.key}",
                         json.dumps({"contents": [{"parts": [{"text": "hi"}]}]}).encode(), {"content-type": "application/json"})
    assert answer.status_code == 200 and answer.json()["candidates"][0]["content"]["parts"][0]["text"]


def google_error(stack, path, body, key=True):
    headers = {"content-type": "application/json"}
    if key:
        headers["x-goog-api-key"] = stack.key
    answer = raw_request("POST", stack.url + path, body if isinstance(body, bytes) else json.dumps(body).encode(), headers)
    error = answer.json()["error"]
    assert set(error) == {"code", "message", "status"} and error["code"] == answer.status_code
    return answer.status_code, error


@pytest.mark.parametrize("path, body, status, google_status", [
    # Embeddings from a chat route: the route serves chat models.
    ("/v1beta/models/gem:embedContent", {"content": {"parts": [{"text": "hi"}]}}, 400, "INVALID_ARGUMENT"),
    ("/v1beta/models/gem:batchEmbedContents", {"requests": []}, 400, "INVALID_ARGUMENT"),
    ("/v1beta/models/gem:foo", {}, 404, "NOT_FOUND"),
    ("/v1beta/models/gem", {}, 404, "NOT_FOUND"),
    ("/v1beta/models/gem:generateContent", {"contents": []}, 400, "INVALID_ARGUMENT"),
    ("/v1beta/models/gem:generateContent", {"contents": [{"parts": [{"text": "hi"}]}], "generationConfig": 7}, 400,
     "INVALID_ARGUMENT"),
    ("/v1beta/models/claude:generateContent",
     {"contents": [{"parts": [{"text": "hi"}]}], "generationConfig": {"maxOutputTokens": "many"}}, 400, "INVALID_ARGUMENT"),
    ("/v1beta/models/claude:generateContent",
     {"contents": [{"parts": [{"text": "hi"}]}],
      "generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": [1, 2]}}, 400, "INVALID_ARGUMENT"),
    ("/v1beta/models/oa:generateContent", b"{not json", 400, "INVALID_ARGUMENT"),
    ("/v1beta/models/no-such:generateContent", {"contents": [{"parts": [{"text": "hi"}]}]}, 404, "NOT_FOUND"),
])
def test_bad_requests_get_googles_envelope(stack, path, body, status, google_status):
    code, error = google_error(stack, path, body)
    assert (code, error["status"]) == (status, google_status), error


def test_a_missing_key_is_unauthenticated_in_googles_envelope(stack):
    code, error = google_error(stack, "/v1beta/models/gem:generateContent", {"contents": [{"parts": [{"text": "hi"}]}]}, key=False)
    assert (code, error["status"]) == (401, "UNAUTHENTICATED")


def test_a_provider_model_name_keeps_its_slash(stack, client):
    response = client.models.generate_content(model=f"openai-up/{MODELS['openai']}", contents="Say hello.")
    assert response.text.startswith("[openai-mock]")
    assert client.models.get(model=f"anthropic-up/{MODELS['anthropic']}").name == f"models/anthropic-up/{MODELS['anthropic']}"
