public import GatewayModel

/// What every embeddings API shares once its request is decoded, whichever shape it came in
/// (OpenAI's, Google's): how it is routed and which providers' dialects embed.
extension EmbeddingRequest {
    public var routingFacts: RoutingFacts {
        RoutingFacts(
            promptTokens: estimatedTokens, maxOutputTokens: nil, needs: [], requiredEndpoint: .embeddings, dimensions: dimensions,
            longestInputTokens: longestInputTokens)
    }

    /// The outbound embeddings dialect for providers of `format`; nil for those that don't embed.
    public static func dialect(for format: WireFormat) -> (any OperationDialect<EmbeddingRequest>)? {
        switch format {
        case .openAI: OpenAIEmbeddingDialect()
        case .gemini: GeminiEmbeddingDialect()
        case .anthropic, .cohere, .dashscope: nil
        }
    }
}
