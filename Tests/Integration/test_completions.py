"""Legacy completions (`POST /v1/completions`) through the official openai SDK and LlamaIndex's
`OpenAILike`: passed through as they are to a provider that declares the endpoint (`completions: true`),
and as one user message through chat to every other target — checked on both ends: what the app got
(validated against the `CreateCompletionResponse` schema) and what the provider received."""
import json
import os
import subprocess
from pathlib import Path

import openai
import pytest

from conftest import BIN, ledger_records, raw_request
from fidelity_stack import MODELS, ROUTE, stack  # noqa: F401 (the module-scoped fixture)
from openapi_contract import validate

LLAMAINDEX = Path(__file__).resolve().parents[2] / ".venv-llamaindex" / "bin" / "python"


@pytest.fixture
def oa(stack):
    stack.reset()
    return openai.OpenAI(base_url=stack.url + "/v1", api_key=stack.key, max_retries=0)


def received_anything(stack, dialect):
    return bool(json.loads(raw_request("GET", stack.mocks[dialect].url + "/mock/requests").body)["requests"])


def dropped(raw):
    return set(filter(None, raw.headers.get("x-switchyard-dropped", "").split(",")))


# Passed through to a provider that declares the endpoint.

def test_a_provider_with_the_endpoint_gets_the_request_as_sent(stack, oa):
    raw = oa.completions.with_raw_response.create(
        model="instruct", prompt="def add(a, b):", suffix="\n\nprint(add(1, 2))", max_tokens=5, echo=True,
        logprobs=2, stop=["\n\n"], temperature=0.2)
    validate(json.loads(raw.http_response.text), "CreateCompletionResponse")
    completion = raw.parse()
    assert completion.object == "text_completion"
    assert completion.choices[0].text.startswith("def add(a, b):[openai-mock]")  # the provider echoed the prompt
    assert raw.headers["x-switchyard-provider"] == "completions-up"
    assert not dropped(raw)
    sent = stack.last_request("openai")
    assert sent["path"] == "/v1/completions"
    body = json.loads(sent["body"])
    assert body["model"] == "gpt-3.5-turbo-instruct"
    assert (body["prompt"], body["suffix"], body["echo"], body["logprobs"], body["stop"]) == (
        "def add(a, b):", "\n\nprint(add(1, 2))", True, 2, ["\n\n"])
    assert ledger_records(stack.routes, lambda r: r["route"] == "instruct" and r["provider"] == "completions-up"
                          and r["output_tokens"] == completion.usage.completion_tokens > 0)


def test_a_streamed_pass_through_is_metered_and_keeps_the_clients_stream(stack, oa):
    chunks = list(oa.completions.create(model="instruct", prompt="Once upon a time", max_tokens=4, stream=True))
    for chunk in chunks:
        validate(chunk.model_dump(mode="json", exclude_unset=True), "CreateCompletionStreamResponse")
    assert "".join(c.choices[0].text for c in chunks if c.choices).startswith("[openai-mock]")
    assert all(c.usage is None for c in chunks)  # the gateway asked for usage; the client didn't see it
    body, _ = stack.received("openai")
    assert body["stream_options"] == {"include_usage": True}
    records = ledger_records(stack.routes, lambda r: r["route"] == "instruct" and r["streamed"] and r["output_tokens"] == 4)
    assert records and records[-1]["input_tokens"] > 0


def test_a_batch_of_prompts_gets_one_choice_each(stack, oa):
    completion = oa.completions.create(model="instruct", prompt=["first", "second"], max_tokens=3)
    assert sorted(c.index for c in completion.choices) == [0, 1]
    assert json.loads(stack.last_request("openai")["body"])["prompt"] == ["first", "second"]


def test_a_batch_skips_targets_without_the_endpoint(stack, oa):
    raw = oa.completions.with_raw_response.create(model="claude-or-instruct", prompt=["a", "b"], max_tokens=3)
    assert raw.headers["x-switchyard-provider"] == "completions-up"
    assert len(raw.parse().choices) == 2
    assert raw.headers["x-switchyard-attempts"] == "1"  # routing left Claude out; nothing was tried there
    assert not received_anything(stack, "anthropic")
    explained = json.loads(subprocess.run(
        [BIN, "route", "explain", "--routes", str(stack.routes), "--model", "claude-or-instruct", "--needs", "completions",
         "--json"], capture_output=True, text=True, check=True).stdout)
    assert explained["chosen"] == "completions-up/instruct"
    assert {c["target"]: c["excluded_because"] for c in explained["candidates"]}[f"anthropic-up/{MODELS['anthropic']}"] == (
        "no completions endpoint (completions: true)")


# Through chat, to every other target.

@pytest.mark.parametrize("dialect", ["openai", "anthropic", "gemini"])
def test_any_other_target_gets_the_prompt_as_one_user_message(stack, oa, dialect):
    raw = oa.completions.with_raw_response.create(
        model=ROUTE[dialect], prompt="Name a colour.", max_tokens=6, stop=["."], echo=True, suffix="!", n=1)
    validate(json.loads(raw.http_response.text), "CreateCompletionResponse")
    completion = raw.parse()
    assert completion.object == "text_completion"
    assert completion.choices[0].text.startswith(f"Name a colour.[{dialect}-mock]")  # echo, done by the gateway
    assert completion.choices[0].finish_reason in ("stop", "length")
    assert {"suffix", "n"} <= dropped(raw)
    sent = stack.last_request(dialect)
    body = json.loads(sent["body"])
    if dialect == "openai":
        assert sent["path"] == "/v1/chat/completions"
        assert body["messages"] == [{"role": "user", "content": "Name a colour."}]
        assert body["stop"] == ["."] and body["max_tokens"] == 6
    elif dialect == "anthropic":
        assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Name a colour."}]}]
        assert body["stop_sequences"] == ["."] and body["max_tokens"] == 6
    else:
        assert body["contents"][0]["parts"] == [{"text": "Name a colour."}]
        assert body["generationConfig"]["stopSequences"] == ["."]
    assert ledger_records(stack.routes, lambda r: r["route"] == ROUTE[dialect] and r["dialect_in"] == "openai-completions" and r["operation"] == "completions"
                          and r["output_tokens"] == completion.usage.completion_tokens > 0)


@pytest.mark.parametrize("dialect", ["openai", "anthropic", "gemini"])
def test_a_translated_stream(stack, oa, dialect):
    chunks = list(oa.completions.create(
        model=ROUTE[dialect], prompt="Count to three.", max_tokens=6, stream=True, echo=True,
        stream_options={"include_usage": True}))
    for chunk in chunks:
        validate(chunk.model_dump(mode="json", exclude_unset=True), "CreateCompletionStreamResponse")
    text = "".join(c.choices[0].text for c in chunks if c.choices)
    assert text.startswith(f"Count to three.[{dialect}-mock]")
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] in (["stop"], ["length"])
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0
    assert stack.received(dialect)[0]  # the provider got the request


def test_a_single_prompt_takes_the_first_target_even_without_the_endpoint(stack, oa):
    raw = oa.completions.with_raw_response.create(model="claude-or-instruct", prompt=["only one"], max_tokens=3)
    assert raw.headers["x-switchyard-provider"] == "anthropic-up"
    assert raw.parse().choices[0].text.startswith("[anthropic-mock]")


# What no chat API can take, and bad input.

@pytest.mark.parametrize("prompt", [["a", "b"], [1, 2, 3], [[1, 2], [3]]])
def test_what_only_a_completions_endpoint_takes_is_refused_where_there_is_none(stack, oa, prompt):
    with pytest.raises(openai.BadRequestError) as caught:
        oa.completions.create(model="claude", prompt=prompt, max_tokens=3)
    error = caught.value.response.json()
    validate(error, "ErrorResponse")
    assert error["error"]["param"] == "prompt"
    assert "completions: true" in error["error"]["message"]


def test_max_tokens_zero_needs_the_endpoint(stack, oa):
    with pytest.raises(openai.BadRequestError) as caught:
        oa.completions.create(model="gem", prompt="score me", max_tokens=0, echo=True)
    assert caught.value.response.json()["error"]["param"] == "prompt"
    completion = oa.completions.create(model="instruct", prompt="score me", max_tokens=0, echo=True)
    assert completion.choices[0].text == "score me"


@pytest.mark.parametrize("body, param", [
    ({"model": "instruct"}, "prompt"),
    ({"model": "instruct", "prompt": 5}, "prompt"),
    ({"model": "instruct", "prompt": None}, "prompt"),
    ({"model": "instruct", "prompt": {"text": "hi"}}, "prompt"),
    ({"model": "instruct", "prompt": ["a", 1]}, "prompt"),
    ({"model": "instruct", "prompt": []}, "prompt"),
    ({"model": "claude", "prompt": "hi", "echo": "yes"}, "echo"),
    ({"model": "claude", "prompt": "hi", "max_tokens": -1}, "max_tokens"),
    ({"model": "claude", "prompt": "hi", "logprobs": 9}, "logprobs"),
    ({"model": "claude", "prompt": "hi", "stop": 3}, "stop"),
    ({"prompt": "hi"}, "model"),
])
def test_bad_input_is_a_400_in_openais_envelope(stack, body, param):
    stack.reset()
    response = raw_request("POST", stack.url + "/v1/completions", json.dumps(body).encode(),
                           {"authorization": f"Bearer {stack.key}", "content-type": "application/json"})
    assert response.status_code == 400, response.body
    validate(response.json(), "ErrorResponse")
    assert response.json()["error"]["param"] == param
    assert not any(received_anything(stack, dialect) for dialect in MODELS)  # nothing reached a provider


# LlamaIndex's OpenAILike uses the completions endpoint by default (is_chat_model=False).

LLAMAINDEX_APP = """
import json, sys
from llama_index.llms.openai_like import OpenAILike
llm = OpenAILike(model=sys.argv[3], api_base=sys.argv[1], api_key=sys.argv[2], max_tokens=5, max_retries=0)
print(json.dumps({"complete": llm.complete("Tell me a story.").text,
                  "stream": "".join(r.delta for r in llm.stream_complete("Tell me a story."))}))
"""


@pytest.mark.parametrize("route, dialect, path", [("instruct", "openai", "/v1/completions"),
                                                  ("claude", "anthropic", "/v1/messages")])
def test_llamaindex_openai_like(stack, route, dialect, path):
    assert LLAMAINDEX.exists(), ".ci/setup installs LlamaIndex in .venv-llamaindex (it pins openai<3)"
    stack.reset()
    result = subprocess.run([str(LLAMAINDEX), "-c", LLAMAINDEX_APP, stack.url + "/v1", stack.key, route],
                            capture_output=True, text=True, timeout=60, env=dict(os.environ, NO_PROXY="*"))
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)
    assert answers["complete"].startswith(f"[{dialect}-mock]")
    assert answers["stream"].startswith(f"[{dialect}-mock]")
    sent = stack.last_request(dialect)
    assert sent["path"] == path
    assert "Tell me a story." in sent["body"]
