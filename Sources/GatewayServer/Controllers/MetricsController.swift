import GatewayModel
import Hummingbird
import NIOCore

/// `GET /metrics`: the Prometheus text exposition of ``GatewayMetrics``, behind a bearer token
/// when `server.metrics_token` is set (Prometheus's `authorization` scrape setting sends it).
struct MetricsController: Sendable {
    let live: LiveGateway

    func register(on router: Router<GatewayRequestContext>) {
        router.get("/metrics") { request, _ in
            let gateway = live.current
            if let expected = gateway.metricsTokenHash {
                guard try BearerAuthenticator.bearerToken(of: request, hashesTo: expected) else {
                    throw GatewayError(
                        kind: .authentication, status: 401, message: "Incorrect metrics token provided.", code: "invalid_metrics_token")
                }
            }
            guard let metrics = gateway.metrics else { throw GatewayError.notFound(path: request.uri.path) }
            metrics.observe(gateway)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}
