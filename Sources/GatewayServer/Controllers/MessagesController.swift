import Dialects
import GatewayModel
import Hummingbird
import NIOCore

/// `POST /v1/messages` (Anthropic's Messages API) and `/v1/messages/count_tokens`: the same
/// proxy as chat completions, with the caller's dialect being Anthropic's.
struct MessagesController: Sendable {
    let live: LiveGateway
    let authenticator: BearerAuthenticator

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/v1/messages") { request, context in
            let key = try await authenticator.authenticateAnthropic(request)
            let proxy = RequestProxy(gateway: live.current)
            let messages = try AnthropicMessagesRequest(body: try await JSONRequestBody.read(request, limit: proxy.maxBodyBytes))
            return try await proxy.forward(messages, for: key, forwarding: ForwardedHeaders(request), context: context)
        }
        router.post("/v1/messages/count_tokens") { request, _ in
            _ = try await authenticator.authenticateAnthropic(request)
            let proxy = RequestProxy(gateway: live.current)
            // An estimate of the gateway's own (no provider call): see `estimatedInputTokens`.
            let messages = try AnthropicMessagesRequest(
                body: try await JSONRequestBody.read(request, limit: proxy.maxBodyBytes), requireMaxTokens: false)
            return Response.json(#"{"input_tokens":\#(messages.estimatedInputTokens)}"#.utf8)
        }
    }
}
