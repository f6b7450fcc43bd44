import Dialects
import GatewayModel
import Hummingbird
import NIOCore

/// `POST /v1/chat/completions`: authenticates, reads and checks the body, hands it to the proxy.
struct ChatCompletionsController: Sendable {
    let live: LiveGateway
    let authenticator: BearerAuthenticator

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            let key = try await authenticator.authenticate(request)
            let proxy = ChatProxy(gateway: live.current)
            let chat = try OpenAIChatRequest(body: try await JSONRequestBody.read(request, limit: proxy.maxBodyBytes))
            return try await proxy.forward(chat, for: key, forwarding: ForwardedHeaders(request), context: context)
        }
    }
}
