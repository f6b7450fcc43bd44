"""Traces over OTLP/HTTP, received by a small collector on loopback built on `opentelemetry-proto`:
a server span per request under the caller's `traceparent`, a client span per provider attempt
(fallback and hedge as siblings) with the GenAI attributes, and each provider received its
attempt's `traceparent` — the same trace id. Prompt text never leaves."""
import json
import os
import secrets
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import openai
import pytest
import yaml
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from conftest import BIN, Process, create_key, ledger_records, mock_provider

PROMPT = "tell nobody: the vault code is 4711"


class Collector:
    """An OTLP/HTTP trace receiver: every span posted to /v1/traces, decoded."""

    def __init__(self):
        self.spans = []
        self.lock = threading.Lock()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                request = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
                with collector.lock:
                    for resource in request.resource_spans:
                        service = {a.key: a.value.string_value for a in resource.resource.attributes}
                        for scope in resource.scope_spans:
                            collector.spans += [(service, span) for span in scope.spans]
                reply = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
                self.send_response(200 if self.path == "/v1/traces" else 404)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def trace(self, trace_id, count, timeout=15):
        """The spans of `trace_id` (hex), once there are `count` of them."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                found = [(service, span) for service, span in self.spans if span.trace_id.hex() == trace_id]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


def attributes(span):
    values = {}
    for attribute in span.attributes:
        value = attribute.value
        values[attribute.key] = getattr(value, value.WhichOneof("value"))
    return values


def attributes_value(text):
    """An OTLP AnyValue holding `text`, as array attributes carry their elements."""
    from opentelemetry.proto.common.v1 import common_pb2
    return common_pb2.AnyValue(string_value=text)


@pytest.fixture(scope="module")
def traced():
    collector = Collector()
    alpha = mock_provider("alpha", "--output-tokens", "5")
    broken = mock_provider("broken", "--fail-rate", "1")
    slow = mock_provider("slow", "--latency-ms", "1500")
    tmp = Path(tempfile.mkdtemp(prefix="switchyard-tracing-"))
    routes = tmp / "Routes"
    routes.mkdir()
    (routes / "gateway.yaml").write_text(yaml.safe_dump({
        "ledger": f"sqlite:{tmp / 'ledger.db'}",
        "telemetry": {"otlp_endpoint": collector.url, "sample_ratio": 1.0, "service_name": "switchyard-test"},
        "providers": [
            {"name": name, "dialect": "openai", "base_url": mock.url + "/v1", "api_key": "env:MOCK_KEY",
             "models": [{"name": f"{name}-model", "input_per_mtok": 1, "output_per_mtok": 2, "currency": "USD"}]}
            for name, mock in (("alpha", alpha), ("broken", broken), ("slow", slow))
        ],
        "routes": [
            {"name": "chat", "targets": ["alpha/alpha-model"]},
            {"name": "resilient", "targets": ["broken/broken-model", "alpha/alpha-model"]},
            {"name": "hedged", "hedge_after_ms": 50, "targets": ["slow/slow-model", "alpha/alpha-model"]},
        ],
        "tenants": [{"name": "demo"}],
    }, sort_keys=False))
    key = create_key(routes)["key"]
    gateway = Process([BIN, "serve", "--routes", str(routes), "--port", "0", "--offline", "off"], cwd=tmp,
                      env=dict(os.environ, MOCK_KEY="sk-mock"))
    client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0)
    yield {"collector": collector, "gateway": gateway, "client": client, "routes": routes,
           "mocks": {"alpha": alpha, "broken": broken, "slow": slow}}
    for process in (gateway, alpha, broken, slow):
        process.stop()
    collector.server.shutdown()


def received_traceparents(mock):
    import urllib.request
    with urllib.request.urlopen(mock.url + "/mock/requests") as response:
        requests = json.load(response)["requests"]
    return [{k.lower(): v for k, v in r["headers"].items()}.get("traceparent") for r in requests]


def test_a_fallback_is_two_attempt_spans_under_the_callers_trace(traced):
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    raw = traced["client"].chat.completions.with_raw_response.create(
        model="resilient", messages=[{"role": "user", "content": PROMPT}],
        extra_headers={"traceparent": f"00-{trace_id}-{parent_id}-01"})
    assert raw.headers["x-switchyard-provider"] == "alpha"
    spans = traced["collector"].trace(trace_id, 3)
    assert {service["service.name"] for service, _ in spans} == {"switchyard-test"}
    [server] = [span for _, span in spans if span.kind == span.SPAN_KIND_SERVER]
    attempts = sorted((span for _, span in spans if span.kind == span.SPAN_KIND_CLIENT),
                      key=lambda span: attributes(span)["switchyard.attempt"])
    assert server.parent_span_id.hex() == parent_id and server.name == "POST /v1/chat/completions"
    assert [span.parent_span_id for span in attempts] == [server.span_id, server.span_id]
    server_attributes = attributes(server)
    assert server_attributes["switchyard.route"] == "resilient" and server_attributes["switchyard.strategy"] == "ordered"
    assert server_attributes["switchyard.outcome"] == "fallback" and server_attributes["switchyard.attempts"] == 2
    assert server_attributes["http.response.status_code"] == 200
    assert server_attributes["gen_ai.request.model"] == "resilient"
    assert server_attributes["gen_ai.response.model"] == "alpha-model"
    failed, answered = map(attributes, attempts)
    assert attempts[0].name == "chat broken-model" and attempts[1].name == "chat alpha-model"
    assert (failed["gen_ai.provider.name"], failed["switchyard.outcome"], failed["error.type"]) == ("broken", "failed", "failed")
    assert attempts[0].status.code == attempts[0].status.STATUS_CODE_ERROR
    assert answered["gen_ai.operation.name"] == "chat" and answered["gen_ai.provider.name"] == "alpha"
    assert answered["gen_ai.request.model"] == answered["gen_ai.response.model"] == "alpha-model"
    assert list(answered["gen_ai.response.finish_reasons"].values) == [attributes_value("stop")]
    assert list(server_attributes["gen_ai.response.finish_reasons"].values) == [attributes_value("stop")]
    record = ledger_records(traced["routes"], lambda r: r["provider"] == "alpha" and r["route"] == "resilient")[0]
    assert (answered["gen_ai.usage.input_tokens"], answered["gen_ai.usage.output_tokens"]) == (
        record["input_tokens"], record["output_tokens"])
    # Each provider got its own attempt's span as the parent, in the caller's trace.
    assert f"00-{trace_id}-{attempts[0].span_id.hex()}-01" in received_traceparents(traced["mocks"]["broken"])
    assert f"00-{trace_id}-{attempts[1].span_id.hex()}-01" in received_traceparents(traced["mocks"]["alpha"])
    # No prompt text in any span.
    assert not [span for _, span in spans if PROMPT in str(attributes(span))]


def test_a_stream_without_traceparent_starts_a_trace(traced):
    raw = traced["client"].chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": "a stream"}], stream=True)
    for _ in raw.parse():
        pass
    parents = received_traceparents(traced["mocks"]["alpha"])
    trace_id = parents[-1].split("-")[1]
    spans = traced["collector"].trace(trace_id, 2)
    [server] = [span for _, span in spans if span.kind == span.SPAN_KIND_SERVER]
    [attempt] = [span for _, span in spans if span.kind == span.SPAN_KIND_CLIENT]
    assert server.parent_span_id == b"" and attempt.parent_span_id == server.span_id
    assert attributes(attempt)["gen_ai.usage.output_tokens"] == 5
    assert list(attributes(attempt)["gen_ai.response.finish_reasons"].values) == [attributes_value("stop")]
    assert attributes(server)["switchyard.outcome"] == "completed"
    # The server span covers the whole stream, the attempt inside it.
    assert server.start_time_unix_nano <= attempt.start_time_unix_nano
    assert attempt.end_time_unix_nano <= server.end_time_unix_nano


def test_a_hedge_shows_both_racers(traced):
    trace_id = secrets.token_hex(16)
    traced["client"].chat.completions.create(
        model="hedged", messages=[{"role": "user", "content": "race"}],
        extra_headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"})
    spans = traced["collector"].trace(trace_id, 3)
    attempts = {attributes(span)["gen_ai.provider.name"]: attributes(span)
                for _, span in spans if span.kind == span.SPAN_KIND_CLIENT}
    assert attempts["alpha"]["switchyard.outcome"] == "completed"
    assert attempts["slow"]["switchyard.outcome"] == "cancelled"
    [server] = [span for _, span in spans if span.kind == span.SPAN_KIND_SERVER]
    assert attributes(server)["switchyard.outcome"] == "hedged" and attributes(server)["switchyard.hedged"] is True


def test_a_callers_unsampled_trace_is_not_recorded(traced):
    trace_id = secrets.token_hex(16)
    traced["client"].chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "not sampled"}],
        extra_headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-00"})
    time.sleep(2.5)  # past the exporter's one-second batches
    assert traced["collector"].trace(trace_id, 1, timeout=0) == []
    # The provider still hears of the trace (not sampled), so its own spans follow the caller's choice.
    assert any(parent and parent.startswith(f"00-{trace_id}-") and parent.endswith("-00")
               for parent in received_traceparents(traced["mocks"]["alpha"]))
