import Dialects
import Hummingbird

/// `POST /v1/chat/completions` and the legacy `POST /v1/completions`.
struct ChatCompletionsController: Sendable {
    let live: LiveGateway
    let authenticator: BearerAuthenticator

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            try await ProxiedEndpoint.forward(
                request, context: context, live: live, authenticator: authenticator, as: OpenAIChatRequest.init(body:))
        }
        router.post("/v1/completions") { request, context in
            try await ProxiedEndpoint.forward(
                request, context: context, live: live, authenticator: authenticator, as: OpenAICompletionsRequest.init(body:))
        }
    }
}
