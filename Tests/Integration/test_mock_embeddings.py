"""The offline mock's embeddings and rerank, as the providers' own SDKs and wire formats see them —
what the gateway's embeddings and rerank paths, and the offline default, are checked against."""
import json
import math

import openai
import pytest
from google import genai
from google.genai import types

from conftest import mock_provider, raw_request


@pytest.fixture(scope="module")
def mock():
    process = mock_provider("vectors", "--max-embedding-inputs", "8")
    yield process
    process.stop()


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b))


def test_openai_embeddings_float_and_base64(mock):
    client = openai.OpenAI(base_url=mock.url + "/v1", api_key="k", max_retries=0)
    texts = ["grid maintenance manual for transformers", "transformers maintenance in the grid", "a recipe for bread"]
    # The SDK asks for base64 unless told otherwise, and decodes it.
    packed = client.embeddings.create(model="text-embedding-3-small", input=texts)
    plain = client.embeddings.create(model="text-embedding-3-small", input=texts, encoding_format="float")
    assert [len(e.embedding) for e in packed.data] == [1536] * 3
    for a, b in zip(packed.data, plain.data):
        assert max(abs(x - y) for x, y in zip(a.embedding, b.embedding)) < 1e-6
    vectors = [e.embedding for e in plain.data]
    assert all(abs(math.sqrt(cosine(v, v)) - 1) < 1e-5 for v in vectors)
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])  # shared words are near
    assert plain.usage.prompt_tokens == plain.usage.total_tokens > 0
    short = client.embeddings.create(model="text-embedding-3-large", input=[[101, 2023], [7]], dimensions=64)
    assert [len(e.embedding) for e in short.data] == [64, 64] and [e.index for e in short.data] == [0, 1]
    with pytest.raises(openai.BadRequestError):
        client.embeddings.create(model="text-embedding-3-small", input=["x"] * 9)  # over --max-embedding-inputs
    with pytest.raises(openai.BadRequestError):
        client.embeddings.create(model="text-embedding-3-small", input="x", dimensions=4096)


def test_gemini_embeddings_through_google_genai(mock):
    client = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=mock.url, api_version="v1beta"))
    result = client.models.embed_content(
        model="gemini-embedding-001", contents=["power outage report", "outage of power in the north"],
        config=types.EmbedContentConfig(output_dimensionality=128, task_type="RETRIEVAL_DOCUMENT"))
    assert [len(e.values) for e in result.embeddings] == [128, 128]
    sent = json.loads(json.loads(raw_request("GET", mock.url + "/mock/requests").body)["requests"][-1]["body"])
    assert sent["requests"][0]["outputDimensionality"] == 128


def test_rerank_in_cohere_and_dashscope_shapes(mock):
    documents = ["how to reset a breaker", "bread recipes", {"text": "breaker reset procedure for substations"}]
    answer = raw_request("POST", mock.url + "/v2/rerank", json.dumps(
        {"model": "rerank-v3.5", "query": "reset the breaker", "documents": documents, "top_n": 2,
         "return_documents": True}).encode(), {"content-type": "application/json"}).json()
    assert [r["index"] for r in answer["results"]] == [0, 2] or [r["index"] for r in answer["results"]] == [2, 0]
    assert answer["results"][0]["relevance_score"] >= answer["results"][1]["relevance_score"]
    assert answer["results"][0]["document"]["text"] and answer["meta"]["billed_units"]["search_units"] == 1
    dash = raw_request("POST", mock.url + "/api/v1/services/rerank/text-rerank/text-rerank", json.dumps(
        {"model": "gte-rerank-v2", "input": {"query": "reset the breaker", "documents": documents},
         "parameters": {"top_n": 1}}).encode(), {"content-type": "application/json"}).json()
    assert len(dash["output"]["results"]) == 1 and dash["usage"]["total_tokens"] > 0
    bad = raw_request("POST", mock.url + "/v2/rerank", json.dumps(
        {"model": "rerank-v3.5", "query": "q", "documents": [7]}).encode(), {"content-type": "application/json"})
    assert bad.status_code == 400
