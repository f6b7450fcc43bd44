"""Embeddings and rerank through the gateway, as retrieval apps call them: the official openai SDK,
LangChain's OpenAIEmbeddings and the cohere SDK pointed at it, against mocks of each provider's wire
format. Both ends are checked — what the app got and what each provider received — and the ledger."""
import base64
import json
import math
import os
import shutil
import struct
import subprocess
import tempfile
import time
from pathlib import Path

import cohere
import openai
import pytest
import yaml
from langchain_openai import OpenAIEmbeddings

from conftest import BIN, REPO, Process, create_key, ledger_records, mock_provider, raw_request

ADMIN_KEY = "sy-admin-retrieval-0123456789abcdefghij"

PROVIDERS = {
    # name: (dialect, region, deployment, models)
    "oa": ("openai", "us", "public", [{"name": "text-embedding-3-small", "max_inputs": 8},
                                      {"name": "text-embedding-3-large"}]),
    "gem": ("gemini", "us", "public", [{"name": "gemini-embedding-001"}]),
    "cn": ("openai", "cn", "public", [{"name": "text-embedding-v4"},
                                      {"name": "bge-m3", "space": "bge-m3"}]),
    "onprem": ("openai", "on-prem", "on-prem", [{"name": "bge-m3", "space": "bge-m3"}]),
    "down": ("openai", "cn", "private", [{"name": "bge-m3", "space": "bge-m3"}]),
    "co": ("cohere", "us", "public", [{"name": "rerank-v3.5"}]),
    "dash": ("dashscope", "cn", "public", [{"name": "gte-rerank-v2"}]),
    "dear": ("openai", "cn", "public", [{"name": "dear-embed", "kind": "embedding", "dimensions": 1024,
                                         "input_per_mtok": 1000, "output_per_mtok": 0, "currency": "USD"}]),
}


def base_url(dialect, url):
    return url + {"openai": "/v1", "gemini": "/v1beta"}.get(dialect, "")


@pytest.fixture(scope="module")
def rag():
    mocks = {name: mock_provider(name, *(["--fail-rate", "1"] if name == "down" else [])) for name in PROVIDERS}
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-rag-"))
    routes = tmp / "Routes"
    routes.mkdir()
    (tmp / "seeds").mkdir()  # the catalog beside Routes/: models listed by id take its prices
    shutil.copy(REPO / "seeds" / "catalog.yaml", tmp / "seeds" / "catalog.yaml")
    (routes / "gateway.yaml").write_text(yaml.safe_dump({
        "ledger": f"sqlite:{tmp / 'ledger.db'}",
        "admin_key": "env:TEST_ADMIN_KEY",
        "providers": [
            {"name": name, "dialect": dialect, "base_url": base_url(dialect, mocks[name].url), "api_key": "env:MOCK_KEY",
             "region": region, "deployment": deployment, "retention": "none", "models": models}
            for name, (dialect, region, deployment, models) in PROVIDERS.items()
        ],
        "policies": [{"name": "finance", "regions": ["cn", "on-prem"], "pii": "mask"}],
        "routes": [
            {"name": "embed", "targets": ["oa/text-embedding-3-small"]},
            {"name": "gemini-embed", "targets": ["gem/gemini-embedding-001"]},
            {"name": "bge", "targets": ["cn/bge-m3", "onprem/bge-m3"]},
            {"name": "bge-fallback", "targets": ["down/bge-m3", "onprem/bge-m3"]},
            {"name": "rerank", "targets": ["co/rerank-v3.5"]},
            {"name": "rerank-cn", "targets": ["dash/gte-rerank-v2"]},
            {"name": "dear", "targets": ["dear/dear-embed"]},
        ],
        "tenants": [{"name": "demo"}, {"name": "bank", "policy": "finance"},
                    {"name": "capped", "budget": {"amount": 0.05, "currency": "USD", "period": "month"}},
                    {"name": "limited", "limits": {"rpm": 2}}],
    }, sort_keys=False))
    keys = {tenant: create_key(routes, tenant)["key"] for tenant in ("demo", "bank", "capped", "limited")}
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off"], cwd=tmp,
                      env=dict(os.environ, MOCK_KEY="sk-mock-secret", TEST_ADMIN_KEY=ADMIN_KEY))
    time.sleep(0.1)
    yield {"gateway": gateway, "mocks": mocks, "keys": keys, "routes": routes}
    for process in [gateway, *mocks.values()]:
        process.stop()


def received(rag, name):
    """What the mock `name` was sent, oldest first: (path, body) pairs."""
    log = json.loads(raw_request("GET", rag["mocks"][name].url + "/mock/requests").body)["requests"]
    return [(entry["path"], json.loads(entry["body"])) for entry in log]


def reset(rag, name):
    raw_request("DELETE", rag["mocks"][name].url + "/mock/requests")


def client(rag, tenant="demo"):
    return openai.OpenAI(base_url=rag["gateway"].url + "/v1", api_key=rag["keys"][tenant], max_retries=0)


def records(rag, request_id, count=1):
    return ledger_records(rag["routes"], lambda r: r["request_id"] == request_id, count=count)


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def test_openai_sdk_embeddings_pass_through_in_float_and_base64(rag):
    texts = ["transformer maintenance schedule", "maintenance schedule for transformers", "bread recipe"]
    reset(rag, "oa")
    raw = client(rag).embeddings.with_raw_response.create(model="embed", input=texts, encoding_format="float")
    plain = raw.parse()
    packed = client(rag).embeddings.create(model="embed", input=texts)  # the SDK asks for base64 and decodes it
    assert [len(e.embedding) for e in plain.data] == [1536] * 3 and [e.index for e in plain.data] == [0, 1, 2]
    for a, b in zip(plain.data, packed.data):
        assert max(abs(x - y) for x, y in zip(a.embedding, b.embedding)) < 1e-6
    vectors = [e.embedding for e in plain.data]
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])
    # The provider got the app's own request, with the provider's model id.
    sent = received(rag, "oa")
    assert [path for path, _ in sent] == ["/v1/embeddings"] * 2
    assert sent[0][1] == {"model": "text-embedding-3-small", "input": texts, "encoding_format": "float"}
    assert sent[1][1]["encoding_format"] == "base64"
    # One ledger record, with the provider's usage and the catalog's price.
    (record,) = records(rag, raw.headers["x-switchyard-request-id"])
    assert record["operation"] == "embeddings" and record["dialect_in"] == "openai-embeddings"
    assert record["input_tokens"] == plain.usage.prompt_tokens and record["usage_source"] == "provider"
    assert record["output_tokens"] == 0 and record["model"] == "text-embedding-3-small"
    assert abs(record["cost"] - plain.usage.prompt_tokens * 0.02 / 1e6) < 1e-12


def test_dimensions_reach_the_provider_and_more_than_the_model_gives_is_a_400(rag):
    reset(rag, "oa")
    short = client(rag).embeddings.create(model="embed", input="grid", dimensions=256, encoding_format="float")
    assert len(short.data[0].embedding) == 256
    assert received(rag, "oa")[-1][1]["dimensions"] == 256
    with pytest.raises(openai.BadRequestError) as error:
        client(rag).embeddings.create(model="embed", input="grid", dimensions=4096)
    assert error.value.body["param"] == "dimensions" and "1536" in error.value.body["message"]
    assert len(received(rag, "oa")) == 1  # refused before any provider was called


def test_a_request_larger_than_the_model_takes_is_split_and_answered_in_order(rag):
    texts = [f"maintenance note {i} for substation {i % 3}" for i in range(19)]
    reset(rag, "oa")
    raw = client(rag).embeddings.with_raw_response.create(model="embed", input=texts)
    answer = raw.parse()
    assert [e.index for e in answer.data] == list(range(19))
    sent = received(rag, "oa")
    assert [len(body["input"]) for _, body in sent] == [8, 8, 3]  # max_inputs: 8
    assert [t for _, body in sent for t in body["input"]] == texts
    # Each vector is the one its own text gets alone.
    alone = client(rag).embeddings.create(model="embed", input=texts[17])
    assert max(abs(x - y) for x, y in zip(alone.data[0].embedding, answer.data[17].embedding)) < 1e-6
    (record,) = records(rag, raw.headers["x-switchyard-request-id"])
    reported = sum(json.loads(raw_request(
        "POST", rag["mocks"]["oa"].url + "/v1/embeddings", json.dumps(body).encode(),
        {"content-type": "application/json"}).body)["usage"]["prompt_tokens"] for _, body in sent)
    assert record["input_tokens"] == reported == answer.usage.prompt_tokens


def test_token_id_inputs_pass_through(rag):
    reset(rag, "oa")
    raw = client(rag).embeddings.with_raw_response.create(
        model="embed", input=[[101, 2023, 318], [7592]], extra_body={"task_type": "RETRIEVAL_QUERY"})
    assert len(raw.parse().data) == 2
    sent = received(rag, "oa")[-1][1]
    assert sent["input"] == [[101, 2023, 318], [7592]] and "task_type" not in sent
    assert raw.headers["x-switchyard-dropped"] == "task_type"  # Gemini's, which OpenAI-style providers lack


def test_openai_sdk_embeddings_from_a_gemini_provider(rag):
    reset(rag, "gem")
    raw = client(rag).embeddings.with_raw_response.create(
        model="gemini-embed", input=["outage report north", "north outage report"], dimensions=64, user="analyst-7",
        extra_body={"task_type": "RETRIEVAL_DOCUMENT"})
    answer = raw.parse()
    assert raw.headers["x-switchyard-dropped"] == "user"  # Gemini has no end-user id
    assert [len(e.embedding) for e in answer.data] == [64, 64] and answer.model == "gemini-embedding-001"
    assert cosine(answer.data[0].embedding, answer.data[1].embedding) > 0.9
    ((path, body),) = received(rag, "gem")
    assert path == "/v1beta/models/gemini-embedding-001:batchEmbedContents"
    assert body["requests"][1] == {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "north outage report"}]},
                                   "taskType": "RETRIEVAL_DOCUMENT", "outputDimensionality": 64}
    # Gemini reports no usage: the ledger holds the gateway's estimate, and says so.
    (record,) = records(rag, raw.headers["x-switchyard-request-id"])
    assert record["usage_source"] == "estimated" and record["input_tokens"] == answer.usage.prompt_tokens > 0
    with pytest.raises(openai.BadRequestError) as error:
        client(rag).embeddings.create(model="gemini-embed", input=[[1, 2, 3]])
    assert error.value.body["param"] == "input"


def test_langchain_openai_embeddings(rag):
    embeddings = OpenAIEmbeddings(model="embed", base_url=rag["gateway"].url + "/v1", api_key=rag["keys"]["demo"],
                                  check_embedding_ctx_length=False, max_retries=0)
    documents = embeddings.embed_documents(["policy on loans", "loan policy", "cafeteria menu"])
    query = embeddings.embed_query("what is the loan policy")
    assert len(documents) == 3 and len(query) == 1536
    assert cosine(query, documents[1]) > cosine(query, documents[2])


def test_cohere_sdk_rerank_v2_and_v1(rag):
    documents = ["how to reset a tripped breaker", "bread recipes", "breaker reset procedure for substations"]
    reset(rag, "co")
    v2 = cohere.ClientV2(api_key=rag["keys"]["demo"], base_url=rag["gateway"].url)
    answer = v2.rerank(model="rerank", query="reset the breaker", documents=documents, top_n=2)
    assert sorted(r.index for r in answer.results) == [0, 2] and answer.results[0].relevance_score >= answer.results[1].relevance_score
    ((path, body),) = received(rag, "co")
    assert path == "/v2/rerank"
    assert body == {"model": "rerank-v3.5", "query": "reset the breaker", "documents": documents, "top_n": 2}
    v1 = cohere.Client(api_key=rag["keys"]["demo"], base_url=rag["gateway"].url)
    old = v1.rerank(model="rerank", query="reset the breaker", documents=[{"text": d} for d in documents],
                    return_documents=True)
    assert {r.document.text for r in old.results} == set(documents)
    records_ = ledger_records(rag["routes"], lambda r: r["operation"] == "rerank" and r["provider"] == "co", count=2)
    assert all(r["search_units"] == 1 and abs(r["cost"] - 0.002) < 1e-12 for r in records_)


def test_rerank_translated_to_dashscope(rag):
    reset(rag, "dash")
    response = raw_request("POST", rag["gateway"].url + "/v1/rerank", json.dumps(
        {"model": "rerank-cn", "query": "电网检修", "documents": ["电网检修手册", "面包食谱", {"text": "检修 电网 流程"}],
         "top_n": 2, "return_documents": True}).encode(),
        {"content-type": "application/json", "authorization": f"Bearer {rag['keys']['demo']}"})
    assert response.status_code == 200, response.body
    answer = response.json()
    assert len(answer["results"]) == 2 and all("document" in r for r in answer["results"])
    ((path, body),) = received(rag, "dash")
    assert path == "/api/v1/services/rerank/text-rerank/text-rerank"
    assert body["input"] == {"query": "电网检修", "documents": ["电网检修手册", "面包食谱", "检修 电网 流程"]}
    assert body["parameters"]["top_n"] == 2
    (record,) = records(rag, response.headers["x-switchyard-request-id"])
    assert record["input_tokens"] == answer["usage"]["total_tokens"] > 0 and record["usage_source"] == "provider"


def test_a_finance_tenant_embeds_only_in_cn_or_on_prem_with_personal_data_masked(rag):
    for name in ("oa", "cn", "onprem"):
        reset(rag, name)
    text = "Customer zhang.wei@example.cn asks about the loan policy"
    bank = client(rag, "bank")
    with pytest.raises(openai.PermissionDeniedError):
        bank.embeddings.create(model="embed", input=text)  # the only target is public in us
    raw = bank.embeddings.with_raw_response.create(model="bge", input=[text, "plain text"])
    assert raw.headers["x-switchyard-provider"] == "cn" and raw.headers["x-switchyard-pii"] == "masked email"
    assert received(rag, "oa") == []
    ((_, body),) = received(rag, "cn")
    assert "zhang.wei@example.cn" not in json.dumps(body) and "[EMAIL_1]" in body["input"][0]
    (record,) = records(rag, raw.headers["x-switchyard-request-id"])
    assert record["pii_masked"] == 1 and record["region"] == "cn"


def test_a_fallback_stays_in_the_embedding_space(rag):
    reset(rag, "onprem")
    raw = client(rag).embeddings.with_raw_response.create(model="bge-fallback", input="substation")
    assert raw.headers["x-switchyard-provider"] == "onprem" and raw.headers["x-switchyard-attempts"] == "2"
    assert received(rag, "onprem")[-1][1]["model"] == "bge-m3"
    failed, completed = records(rag, raw.headers["x-switchyard-request-id"], count=2)
    assert {failed["outcome"], completed["outcome"]} == {"failed", "completed"}


def test_budgets_stop_an_embedding_flood(rag):
    capped = client(rag, "capped")
    text = "x" * 4000  # about 1,000 tokens at 0.001 USD each: 1 USD, far over the 0.05 budget
    with pytest.raises(openai.RateLimitError) as error:
        capped.embeddings.create(model="dear", input=text)
    assert error.value.body["code"] == "insufficient_quota"
    small = "grid maintenance"  # 4 tokens, 0.004 USD: the budget holds 12 of them
    served = 0
    for _ in range(40):
        try:
            capped.embeddings.create(model="dear", input=small)
            served += 1
        except openai.RateLimitError:
            break
    assert 0 < served < 40
    spent = sum(r["cost"] for r in ledger_records(rag["routes"], lambda r: r["tenant"] == "capped", count=served))
    assert spent <= 0.05 + 1e-9


def test_rate_limits_count_embeddings_and_rerank(rag):
    limited = client(rag, "limited")
    limited.embeddings.create(model="embed", input="one")
    cohere.ClientV2(api_key=rag["keys"]["limited"], base_url=rag["gateway"].url).rerank(
        model="rerank", query="q", documents=["a"])
    with pytest.raises(openai.RateLimitError) as error:
        limited.embeddings.create(model="embed", input="three")
    assert error.value.response.headers.get("retry-after")
    refused = raw_request("POST", rag["gateway"].url + "/v2/rerank", json.dumps(
        {"model": "rerank", "query": "q", "documents": ["a"]}).encode(),
        {"content-type": "application/json", "authorization": f"Bearer {rag['keys']['limited']}"})
    assert refused.status_code == 429 and refused.json()["message"]


def test_bad_input_gets_openai_and_cohere_shaped_400s(rag):
    key = rag["keys"]["demo"]
    headers = {"content-type": "application/json", "authorization": f"Bearer {key}"}
    cases = [
        ("/v1/embeddings", {"model": "embed", "input": []}, "input"),
        ("/v1/embeddings", {"model": "embed", "input": ""}, "input"),
        ("/v1/embeddings", {"model": "embed", "input": [1, "a"]}, "input"),
        ("/v1/embeddings", {"model": "embed", "input": "a", "encoding_format": "int8"}, "encoding_format"),
        ("/v1/embeddings", {"model": "embed", "input": "a", "dimensions": 0}, "dimensions"),
        # One input past the 8,191 tokens the model takes per input (many small ones are split).
        ("/v1/embeddings", {"model": "embed", "input": ["short", "long " * 8000]}, "input"),
        ("/v1/embeddings", {"input": "a"}, "model"),
        ("/v1/embeddings", {"model": "chat-nope", "input": "a"}, "model"),
        ("/v1/embeddings", {"model": "rerank", "input": "a"}, "model"),
    ]
    for path, body, parameter in cases:
        response = raw_request("POST", rag["gateway"].url + path, json.dumps(body).encode(), headers)
        assert response.status_code in (400, 404), (body, response.body)
        assert response.json()["error"]["param"] == parameter, (body, response.body)
    rerank_cases = [
        ({"model": "rerank", "query": "q", "documents": [7]}, "documents"),
        ({"model": "rerank", "query": "q", "documents": []}, "documents"),
        ({"model": "rerank", "query": "", "documents": ["a"]}, "query"),
        ({"model": "rerank", "query": "q", "documents": ["a"], "top_n": 0}, "top_n"),
        ({"model": "embed", "query": "q", "documents": ["a"]}, "model"),
    ]
    for body, parameter in rerank_cases:
        response = raw_request("POST", rag["gateway"].url + "/v2/rerank", json.dumps(body).encode(), headers)
        assert response.status_code == 400, (body, response.body)
        assert response.json()["param"] == parameter and response.json()["message"], response.body
    assert raw_request("POST", rag["gateway"].url + "/v2/rerank", b"{", headers).json()["message"]


def test_spend_by_operation(rag):
    result = subprocess.run([BIN, "spend", "--by", "operation", "--format", "json", "--routes", str(rag["routes"])],
                            capture_output=True, text=True, check=True, cwd=rag["routes"].parent)
    operations = {row["operation"] for row in json.loads(result.stdout)}
    assert {"embeddings", "rerank"} <= operations
    admin = raw_request("GET", rag["gateway"].url + "/admin/spend?by=operation,provider&format=json",
                        headers={"authorization": f"Bearer {ADMIN_KEY}"})
    rows = admin.json()
    rerank = [row for row in rows if row["operation"] == "rerank" and row["provider"] == "co"]
    assert len(rerank) == 1 and rerank[0]["search_units"] >= 2


def test_vectors_in_base64_are_little_endian_float32(rag):
    response = raw_request("POST", rag["gateway"].url + "/v1/embeddings", json.dumps(
        {"model": "gemini-embed", "input": "grid", "dimensions": 8, "encoding_format": "base64"}).encode(),
        {"content-type": "application/json", "authorization": f"Bearer {rag['keys']['demo']}"})
    packed = base64.b64decode(response.json()["data"][0]["embedding"])
    values = struct.unpack("<8f", packed)
    assert abs(sum(v * v for v in values) - 1) < 1e-4


def test_google_genai_embeddings_reach_gemini_and_openai_providers(rag):
    from google import genai
    from google.genai import types

    client_ = genai.Client(api_key=rag["keys"]["demo"],
                           http_options=types.HttpOptions(base_url=rag["gateway"].url, api_version="v1beta"))
    texts = ["outage report for the north grid", "north grid outage report", "cafeteria menu"]
    reset(rag, "gem")
    # By the model's own id: google-genai sends a model it takes for multimodal (any other name with
    # "gemini" in it) one content of many parts, which is one embedding — as Google answers it.
    result = client_.models.embed_content(model="gemini-embedding-001", contents=texts,
                                          config=types.EmbedContentConfig(output_dimensionality=32, task_type="RETRIEVAL_DOCUMENT"))
    vectors = [e.values for e in result.embeddings]
    assert [len(v) for v in vectors] == [32] * 3 and cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])
    ((path, body),) = received(rag, "gem")
    assert path == "/v1beta/models/gemini-embedding-001:batchEmbedContents"
    assert [r["content"]["parts"][0]["text"] for r in body["requests"]] == texts
    assert body["requests"][0]["taskType"] == "RETRIEVAL_DOCUMENT" and body["requests"][0]["outputDimensionality"] == 32
    # The same app, another provider: the OpenAI-style one gets /embeddings.
    reset(rag, "oa")
    other = client_.models.embed_content(model="embed", contents=texts[:2])
    assert [len(e.values) for e in other.embeddings] == [1536, 1536]
    ((path, body),) = received(rag, "oa")
    assert path == "/v1/embeddings" and body["input"] == texts[:2] and body["model"] == "text-embedding-3-small"
    records_ = ledger_records(rag["routes"], lambda r: r["dialect_in"] == "gemini-embeddings", count=2)
    assert {r["provider"] for r in records_} == {"gem", "oa"} and all(r["operation"] == "embeddings" for r in records_)
    with pytest.raises(Exception) as error:
        client_.models.embed_content(model="chat-nope", contents=["x"])
    assert "404" in str(error.value) or "NOT_FOUND" in str(error.value)
