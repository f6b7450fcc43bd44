public import GatewayModel

/// The outbound chat dialect for a provider's wire format, used when the caller speaks another;
/// nil for the formats that serve no chat (rerank's).
public enum ProviderDialects {
    public static func dialect(for format: WireFormat) -> (any ProviderDialect)? {
        switch format {
        case .openAI: OpenAIDialect()
        case .anthropic: AnthropicDialect()
        case .gemini: GeminiDialect()
        case .cohere, .dashscope: nil
        }
    }
}
