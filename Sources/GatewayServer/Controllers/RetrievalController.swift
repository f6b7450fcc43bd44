import Dialects
import Hummingbird

/// The APIs retrieval apps call: `POST /v1/embeddings` (OpenAI's shape) and `POST /v1/rerank`
/// or `/v2/rerank` (Cohere's and Jina's shape), routed, screened and metered like chat.
struct RetrievalController: Sendable {
    let live: LiveGateway
    let authenticator: BearerAuthenticator

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/v1/embeddings") { request, context in
            try await ProxiedEndpoint.forward(
                request, context: context, live: live, authenticator: authenticator, as: OpenAIEmbeddingsRequest.init(body:))
        }
        for path in Self.rerankPaths {
            router.post(RouterPath(path)) { request, context in
                try await ProxiedEndpoint.forward(
                    request, context: context, live: live, authenticator: authenticator, as: RerankInboundRequest.init(body:))
            }
        }
    }

    /// Cohere's SDK calls `/v2/rerank` (`ClientV2`) or `/v1/rerank`, as Jina's clients do.
    static let rerankPaths = ["/v1/rerank", "/v2/rerank"]
}
