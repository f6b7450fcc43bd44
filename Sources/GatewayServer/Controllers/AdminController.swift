import Dialects
import Foundation
import GatewayConfig
import GatewayModel
import Hummingbird
import Metering
import NIOCore
import Routing

/// The admin API (`/admin/…`), for operators: authenticated by `admin_key`, never by a
/// virtual key. Disabled (403) while no admin key is set.
struct AdminController: Sendable {
    let live: LiveGateway

    func register(on router: Router<GatewayRequestContext>) {
        // `POST /admin/route/explain`: where a request would go now — live latency and circuit
        // state included — and why. Body: {"model", "tenant"?, "prompt_tokens"?, "max_tokens"?, "needs"?}.
        router.post("/admin/route/explain") { request, _ in
            let gateway = live.current
            try Self.authenticate(request, gateway: gateway)
            let body = try await JSONRequestBody.read(request, limit: 1 << 20)
            let routeRequest = try Self.routeRequest(from: body, gateway: gateway)
            guard
                let explanation = gateway.planner.explain(
                    routeRequest, latencies: gateway.latency.snapshot(), circuits: gateway.health.snapshot())
            else {
                throw GatewayError.modelNotFound(routeRequest.model)
            }
            return Response.json(explanation.jsonText.utf8)
        }
    }

    static func authenticate(_ request: Request, gateway: Gateway) throws(GatewayError) {
        guard let expected = gateway.adminKeyHash else {
            throw GatewayError(
                kind: .permission, status: 403,
                message: "The admin API is disabled: set admin_key in Routes/ (e.g. env:SWITCHYARD_ADMIN_KEY) and that variable.",
                code: "admin_disabled")
        }
        guard try BearerAuthenticator.bearerToken(of: request, hashesTo: expected) else {
            throw GatewayError(kind: .authentication, status: 401, message: "Incorrect admin key provided.", code: "invalid_admin_key")
        }
    }

    static func routeRequest(from body: [UInt8], gateway: Gateway) throws(GatewayError) -> RouteRequest {
        let query = try ExplainBody.decode(body)
        guard !query.model.isEmpty else {
            throw GatewayError.invalidRequest("'model' is required: a route, provider/model or model name.", parameter: "model")
        }
        if let tenant = query.tenant, gateway.configuration.tenant(named: tenant) == nil {
            throw GatewayError.invalidRequest("Unknown tenant '\(tenant)'.", parameter: "tenant")
        }
        let tokens = 0...RoutingFacts.maximumOutputTokens
        var request = RouteRequest(
            model: query.model, promptTokens: try ExplainBody.bounded(query.promptTokens, tokens, field: .promptTokens) ?? 1000,
            maxOutputTokens: try ExplainBody.bounded(query.maxTokens, tokens, field: .maxTokens), tenant: query.tenant, roll: 0.5)
        for name in query.needs ?? [] where !request.addNeed(named: name) {
            throw GatewayError.invalidRequest(
                "Unknown need '\(name)' (\(RouteRequest.needNames.joined(separator: ", "))).", parameter: "needs")
        }
        request.personalData = query.personalData ?? []
        return request
    }

    /// Refuses query parameters the endpoint doesn't take (a misspelt filter must not widen a listing).
    static func requireQuery(_ request: Request, only allowed: [String]) throws(GatewayError) {
        for (name, _) in request.uri.queryParameters where !allowed.contains(String(name)) {
            throw GatewayError.invalidRequest(
                "Unknown query parameter '\(name)'; this endpoint takes: \(allowed.isEmpty ? "none" : allowed.joined(separator: ", ")).",
                parameter: String(name), code: "unknown_parameter")
        }
    }
}

/// `GET /admin/spend?by=tenant,day&since=2026-11-01&until=…&tenant=…&key=…&format=json|csv`:
/// the admin key sees every tenant; a virtual key sees only its own tenant's spend.
struct SpendController: Sendable {
    let live: LiveGateway
    let authenticator: BearerAuthenticator

    func register(on router: Router<GatewayRequestContext>) {
        router.get("/admin/spend") { request, context in
            let gateway = live.current
            try AdminController.requireQuery(request, only: ["by", "since", "until", "tenant", "key", "format"])
            let parameters = request.uri.queryParameters
            func parameter(_ name: String) -> String? { parameters[Substring(name)].map(String.init) }
            // The admin sees every tenant; a tenant's own key may read its own spend.
            var ownTenant: String?
            do {
                try AdminController.authenticate(request, gateway: gateway)
            } catch let adminFailure {
                guard let key = try? await authenticator.authenticate(request) else { throw adminFailure }
                ownTenant = key.tenant
            }
            var query: SpendQuery
            do {
                query = try SpendQuery(
                    by: parameter("by"), since: parameter("since"), until: parameter("until"), tenant: parameter("tenant"),
                    key: parameter("key"))
            } catch {
                throw GatewayError.invalidRequest("\(error)", parameter: "by")
            }
            if let ownTenant {
                if let asked = query.filter.tenant, asked != ownTenant {
                    throw GatewayError(
                        kind: .permission, status: 403, message: "A key can read only its own tenant's spend.",
                        code: "tenant_mismatch")
                }
                query.filter.tenant = ownTenant
            }
            let format = SpendReportFormat(rawValue: parameters["format"].map(String.init) ?? "json")
            guard let format, format != .table else {
                throw GatewayError.invalidRequest("'format' must be json or csv.", parameter: "format")
            }
            // Read-your-writes: what the gateway has recorded goes to the database first.
            let (meter, ledger, groupBy) = (gateway.meter, gateway.ledger, query.groupBy)
            let rows = try await LedgerAccess.run("a spend report", logger: context.logger) { [query] in
                try? await meter?.commit()
                return try await ledger.spend(query)
            }
            return Response.json(
                format.render(rows, groupBy: groupBy).utf8, contentType: format == .csv ? "text/csv" : "application/json")
        }
    }
}
