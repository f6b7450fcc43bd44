import Dialects
import GatewayModel
import Hummingbird
import NIOCore

/// `POST /v1/responses` (OpenAI's Responses API) and `/v1/responses/input_tokens`: the same
/// proxy as chat completions, every target reached through the canonical model.
///
/// The gateway keeps no responses yet (answers say `store: false`), so a `previous_response_id`
/// names nothing it has: 404, as OpenAI answers for an unknown id.
struct ResponsesController: Sendable {
    let live: LiveGateway
    let authenticator: BearerAuthenticator

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/v1/responses") { request, context in
            let key = try await authenticator.authenticate(request)
            let proxy = ChatProxy(gateway: live.current)
            let responses = try ResponsesRequest(body: try await JSONRequestBody.read(request, limit: proxy.maxBodyBytes))
            if let previous = responses.previousResponseID {
                throw GatewayError(
                    kind: .notFound, status: 404, message: "Previous response with id '\(previous)' not found.",
                    parameter: "previous_response_id", code: "previous_response_not_found")
            }
            return try await proxy.forward(responses, for: key, forwarding: ForwardedHeaders(request), context: context)
        }
        router.post("/v1/responses/input_tokens") { request, _ in
            _ = try await authenticator.authenticate(request)
            let proxy = ChatProxy(gateway: live.current)
            // An estimate of the gateway's own (no provider call), as for Anthropic's count_tokens.
            let responses = try ResponsesRequest(body: try await JSONRequestBody.read(request, limit: proxy.maxBodyBytes))
            return Response.json(#"{"object":"response.input_tokens","input_tokens":\#(responses.routingFacts.promptTokens)}"#.utf8)
        }
    }
}
