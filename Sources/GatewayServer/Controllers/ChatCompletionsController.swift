import Dialects
import GatewayModel
import Hummingbird
import NIOCore

/// `POST /v1/chat/completions` and the legacy `POST /v1/completions`: authenticates, reads and
/// checks the body, hands it to the proxy.
struct ChatCompletionsController: Sendable {
    let live: LiveGateway
    let authenticator: BearerAuthenticator

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            try await forward(request, context: context, as: OpenAIChatRequest.init(body:))
        }
        router.post("/v1/completions") { request, context in
            try await forward(request, context: context, as: OpenAICompletionsRequest.init(body:))
        }
    }

    private func forward<Inbound: InboundChat>(
        _ request: Request, context: GatewayRequestContext, as read: ([UInt8]) throws(GatewayError) -> Inbound
    ) async throws -> Response {
        let key = try await authenticator.authenticate(request)
        let proxy = ChatProxy(gateway: live.current)
        let inbound = try read(try await JSONRequestBody.read(request, limit: proxy.maxBodyBytes))
        return try await proxy.forward(inbound, for: key, forwarding: ForwardedHeaders(request), context: context)
    }
}
