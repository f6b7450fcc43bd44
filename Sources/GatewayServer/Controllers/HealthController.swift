import GatewayConfig
import GatewayModel
import Hummingbird
import Logging
import Metering
import NIOCore

/// Probes for orchestrators: `/healthz` says the process answers; `/readyz` says the
/// configuration is loaded and the ledger accepts writes.
struct HealthController: Sendable {
    let live: LiveGateway

    func register(on router: Router<GatewayRequestContext>) {
        router.get("/healthz") { _, _ in
            Self.json(#"{"status":"ok"}"#)
        }
        router.get("/readyz") { _, context in
            let gateway = live.current
            let (ledger, configuration) = (gateway.ledger, gateway.configuration)
            do {
                try await ledger.checkWritable()
            } catch {
                context.logger.error("readiness check failed: ledger not writable", metadata: ["error": "\(error)"])
                throw GatewayError.unavailable("The ledger is not writable.")
            }
            return Self.json(
                #"{"status":"ready","providers":\#(configuration.providers.count),"routes":\#(configuration.routes.count)}"#)
        }
    }

    static func json(_ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
