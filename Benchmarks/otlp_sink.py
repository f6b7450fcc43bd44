"""A stand-in OpenTelemetry collector for the tracing benchmark: takes OTLP/HTTP trace batches
and counts their spans, so the gateway's exporter does its full work (encode, post) and the
sink costs the load generator's core as little as Python allows. GET /count reports the total."""
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

spans = 0
try:
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
except ImportError:  # counts batches instead of spans without the package
    trace_service_pb2 = None


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global spans
        body = self.rfile.read(int(self.headers["content-length"]))
        if trace_service_pb2:
            request = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
            spans += sum(len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans)
        else:
            spans += 1
        self.reply(b"", "application/x-protobuf")

    def do_GET(self):
        self.reply(str(spans).encode(), "text/plain")

    def reply(self, body, content_type):
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
print(f"otlp sink listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
