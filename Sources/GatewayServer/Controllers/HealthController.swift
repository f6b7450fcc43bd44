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
            Response.json(#"{"status":"ok"}"#.utf8)
        }
        router.get("/readyz") { _, context in
            let gateway = live.current
            let (ledger, configuration) = (gateway.ledger, gateway.configuration)
            do {
                try await withDeadline(.seconds(2)) { try await ledger.checkWritable() }
            } catch {
                context.logger.error("readiness check failed: ledger not writable", metadata: ["error": "\(error)"])
                throw GatewayError.unavailable("The ledger is not writable.")
            }
            return Response.json(
                #"{"status":"ready","providers":\#(configuration.providers.count),"routes":\#(configuration.routes.count)}"#.utf8)
        }
    }
}
