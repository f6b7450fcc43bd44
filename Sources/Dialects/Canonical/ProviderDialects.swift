public import GatewayModel

/// The outbound dialect for a provider's wire format, used when the caller speaks another.
public enum ProviderDialects {
    public static func dialect(for format: WireFormat) -> (any ProviderDialect)? {
        // Optional so that a future format can exist in config before it has a dialect.
        switch format {
        case .openAI: OpenAIDialect()
        case .anthropic: AnthropicDialect()
        case .gemini: GeminiDialect()
        }
    }
}
