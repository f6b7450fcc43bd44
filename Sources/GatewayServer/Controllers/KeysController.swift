import Foundation
import GatewayConfig
import GatewayModel
import Hummingbird
import Metering
import NIOCore

/// `/admin/keys` (admin key): create (`POST`, the key is in the answer once), list (`GET`,
/// `?tenant=`, `?all=true` for revoked ones) and revoke (`DELETE /admin/keys/{id}`). This
/// gateway sees a change at once; others within their key refresh interval.
struct KeysController: Sendable {
    let live: LiveGateway

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/admin/keys") { request, context in
            let gateway = live.current
            try AdminController.authenticate(request, gateway: gateway)
            let body = try await JSONRequestBody.read(request, limit: 1 << 16)
            let asked = try KeyCreationBody.decode(body)
            let key = VirtualKey.generate()
            let configuration = gateway.configuration
            let record: VirtualKeyRecord
            do throws(KeyRequestError) {
                record = try KeyRequest(
                    tenant: asked.tenant, budget: asked.budget, rpm: asked.rpm, tpm: asked.tpm, allowedRoutes: asked.allowedRoutes ?? []
                ).record(for: key, under: configuration)
            } catch {
                throw GatewayError.invalidRequest("\(error).", parameter: error.field)
            }
            let (ledger, source) = (gateway.ledger, context.clientAddress ?? "unknown")
            gateway.keys.replace(
                with: try await LedgerAccess.run("creating a key", logger: context.logger) {
                    try await ledger.insertKey(record)
                    try await AuditChain.record(.keyCreated(record, by: "admin", from: source), in: ledger)
                    return try await ledger.activeKeys()
                })
            var answer = KeyListing.object(record)
            answer["key"] = key.plaintext
            return Self.json(answer, status: .created)
        }
        router.get("/admin/keys") { request, context in
            let gateway = live.current
            try AdminController.authenticate(request, gateway: gateway)
            try AdminController.requireQuery(request, only: ["tenant", "all"])
            let parameters = request.uri.queryParameters
            guard [nil, "true", "false"].contains(parameters["all"]) else {
                throw GatewayError.invalidRequest("'all' must be true or false.", parameter: "all", code: "invalid_value")
            }
            let (ledger, all) = (gateway.ledger, parameters["all"] == "true")
            let records = try await LedgerAccess.run("listing keys", logger: context.logger) {
                try await all ? ledger.allKeys() : ledger.activeKeys()
            }
            let tenant = parameters["tenant"].map(String.init)
            return Self.json(records.filter { tenant == nil || $0.tenant == tenant }.map(KeyListing.object), status: .ok)
        }
        router.delete("/admin/keys/:id") { request, context in
            let gateway = live.current
            try AdminController.authenticate(request, gateway: gateway)
            try AdminController.requireQuery(request, only: [])
            let id = context.parameters.get("id") ?? ""
            let (ledger, source) = (gateway.ledger, context.clientAddress ?? "unknown")
            let revoked = try await LedgerAccess.run("revoking a key", logger: context.logger) {
                guard try await ledger.revokeKey(id: id) else { return nil as [VirtualKeyRecord]? }
                try await AuditChain.record(.keyRevoked(id, by: "admin", from: source), in: ledger)
                return try await ledger.activeKeys()
            }
            guard let revoked else {
                throw GatewayError(kind: .notFound, status: 404, message: "No active key '\(id)'.", code: "key_not_found")
            }
            gateway.keys.replace(with: revoked)
            return Self.json(["id": id, "revoked": true], status: .ok)
        }
    }

    static func json(_ object: Any, status: HTTPResponse.Status) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Response.json(data, status: status)
    }
}
