import Dialects
import Foundation
import GatewayConfig
import GatewayModel
import Hummingbird
import JSONScanning
import Logging
import Metering
import NIOCore
import Routing

/// OpenAI's Responses API: `POST /v1/responses` (the same proxy as chat completions),
/// `/v1/responses/input_tokens`, and the responses the gateway keeps — `GET` and `DELETE
/// /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`, `POST /v1/responses/{id}/cancel`
/// (400: none runs in the background). A tenant reads only its own.
struct ResponsesController: Sendable {
    let live: LiveGateway
    let authenticator: BearerAuthenticator

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/v1/responses") { request, context in
            let key = try await authenticator.authenticate(request)
            let gateway = live.current
            let proxy = RequestProxy(gateway: gateway)
            var responses = try ResponsesRequest(body: try await JSONRequestBody.read(request, limit: proxy.maxBodyBytes))
            responses.conversation = try await Self.conversation(of: responses, key: key, gateway: gateway)
            responses = try responses.resolvingItemReferences()
            return try await proxy.forward(responses, for: key, forwarding: ForwardedHeaders(request), context: context)
        }
        router.post("/v1/responses/input_tokens") { request, _ in
            let key = try await authenticator.authenticate(request)
            let gateway = live.current
            // An estimate of the gateway's own (no provider call), as for Anthropic's count_tokens;
            // a stored conversation it continues counts.
            var responses = try ResponsesRequest(
                body: try await JSONRequestBody.read(request, limit: gateway.configuration.server.maxBodyBytes))
            responses.conversation = try await Self.conversation(of: responses, key: key, gateway: gateway)
            responses.conversation.recorder = nil
            responses = try responses.resolvingItemReferences()
            return Response.json(#"{"object":"response.input_tokens","input_tokens":\#(responses.routingFacts.promptTokens)}"#.utf8)
        }
        router.get("/v1/responses/:id") { request, context in
            let stored = try await stored(request, context: context)
            return Response.json(stored.response.utf8)
        }
        router.delete("/v1/responses/:id") { request, context in
            let key = try await authenticator.authenticate(request)
            let id = context.parameters.get("id") ?? ""
            guard try await live.current.responses.delete(id: id, tenant: key.tenant) else { throw Self.notFound(id) }
            return Response.json(#"{"id":\#(JSONEncoding.quoted(id)),"object":"response","deleted":true}"#.utf8)
        }
        router.post("/v1/responses/:id/cancel") { request, context -> Response in
            // Only background responses can be cancelled, and this gateway answers every request
            // in the foreground (`background` is named in x-switchyard-dropped).
            _ = try await stored(request, context: context)
            throw GatewayError.invalidRequest(
                "Only background responses can be cancelled; this gateway runs none in the background.", parameter: nil,
                code: "response_not_background")
        }
        router.get("/v1/responses/:id/input_items") { request, context in
            let stored = try await stored(request, context: context)
            return Response.json(try Self.inputItems(of: stored, query: request.uri.queryParameters))
        }
    }

    private func stored(_ request: Request, context: GatewayRequestContext) async throws -> StoredResponse {
        let key = try await authenticator.authenticate(request)
        let id = context.parameters.get("id") ?? ""
        guard let stored = try await live.current.responses.find(id: id, tenant: key.tenant) else { throw Self.notFound(id) }
        return stored
    }

    static func notFound(_ id: String) -> GatewayError {
        GatewayError(kind: .notFound, status: 404, message: "Response with id '\(id)' not found.", code: "response_not_found")
    }

    /// The stored conversation a request continues, and whether its answer is kept: unless the
    /// app says `store: false`, retention is `none`, or a policy of the tenant or route says
    /// `retention: none` (then nothing is kept, and `previous_response_id` is refused naming it).
    static func conversation(of request: ResponsesRequest, key: AuthenticatedKey, gateway: Gateway) async throws -> ResponsesConversation {
        var conversation = ResponsesConversation()
        let noRetention = gateway.planner.noRetentionPolicy(for: RouteRequest(model: request.model, tenant: key.tenant, roll: 0))
        if let previous = request.previousResponseID {
            if let policy = noRetention {
                throw GatewayError.invalidRequest(
                    "Policy '\(policy)' says retention: none, so this gateway keeps no conversation to continue: send the earlier items in 'input' instead of previous_response_id.",
                    parameter: "previous_response_id", code: "retention_none")
            }
            guard let stored = try await gateway.responses.find(id: previous, tenant: key.tenant) else {
                throw GatewayError(
                    kind: .notFound, status: 404, message: "Previous response with id '\(previous)' not found.",
                    parameter: "previous_response_id", code: "previous_response_not_found")
            }
            conversation.previousResponseID = previous
            conversation.history = Array(stored.items.utf8)
        }
        let keeper = gateway.responses
        if request.asksToStore, noRetention == nil, keeper.canStore, let seconds = gateway.configuration.responses.retentionSeconds {
            let tenant = key.tenant
            conversation.recorder = ResponseRecorder { id, response, items, inputCount in
                let now = Date()
                keeper.keep(
                    StoredResponse(
                        id: id, tenant: tenant, createdAt: now, expiresAt: now.addingTimeInterval(Double(seconds)),
                        items: String(decoding: items, as: UTF8.self), inputCount: inputCount, response: response))
            }
        }
        return conversation
    }

    /// A page of the items that were a stored response's input (`limit` 1–100, default 20;
    /// `order` `desc` (default) or `asc`; `after` an item id), as OpenAI lists them.
    static func inputItems(of stored: StoredResponse, query: Parameters) throws(GatewayError) -> [UInt8] {
        let all = (try? JSONArrayElements.of(document: Array(stored.items.utf8))) ?? []
        var items = Array(all.prefix(max(0, min(stored.inputCount, all.count))))
        let order = query.get("order") ?? "desc"
        guard order == "asc" || order == "desc" else {
            throw .invalidRequest("'order' must be asc or desc.", parameter: "order", code: "invalid_value")
        }
        if order == "desc" { items.reverse() }
        let limitText = query.get("limit") ?? "20"
        guard let limit = Int(limitText), (1...100).contains(limit) else {
            throw .invalidRequest("'limit' must be an integer from 1 to 100.", parameter: "limit", code: "invalid_value")
        }
        func id(_ item: ArraySlice<UInt8>) -> String? { (try? JSONObjectIndex(document: Array(item)))?.string("id") }
        if let after = query.get("after") {
            guard let position = items.firstIndex(where: { id($0) == after }) else {
                throw .invalidRequest("'after' names no item of this response.", parameter: "after", code: "invalid_value")
            }
            items.removeFirst(position + 1)
        }
        let page = Array(items.prefix(limit))
        let first = page.first.flatMap(id).map { JSONEncoding.quoted($0) } ?? "null"
        let last = page.last.flatMap(id).map { JSONEncoding.quoted($0) } ?? "null"
        var json = Array(#"{"object":"list","data":"#.utf8)
        json += JSONArrayElements.array(page)
        json += Array(#","first_id":\#(first),"last_id":\#(last),"has_more":\#(items.count > limit)}"#.utf8)
        return json
    }
}
