public import GatewayModel

/// The outbound dialect for a provider's wire format, used when the caller speaks another.
public enum ProviderDialects {
    public static func dialect(for format: WireFormat) -> (any ProviderDialect)? {
        switch format {
        case .openAI: OpenAIDialect()
        case .anthropic: AnthropicDialect()
        case .gemini: nil
        }
    }
}
