import Dialects
import GatewayModel
import Hummingbird

/// What an endpoint of the OpenAI-style APIs the gateway proxies does: authenticate with the
/// bearer key, read and check the JSON body as `read` decodes it, hand it to the proxy.
enum ProxiedEndpoint {
    static func forward<Inbound: ProxiedRequest>(
        _ request: Request, context: GatewayRequestContext, live: LiveGateway, authenticator: BearerAuthenticator,
        as read: ([UInt8]) throws(GatewayError) -> Inbound
    ) async throws -> Response {
        let key = try await authenticator.authenticate(request)
        let proxy = RequestProxy(gateway: live.current)
        let inbound = try read(try await JSONRequestBody.read(request, limit: proxy.maxBodyBytes))
        return try await proxy.forward(inbound, for: key, forwarding: ForwardedHeaders(request), context: context)
    }
}
