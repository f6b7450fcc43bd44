public import GatewayModel

/// The outbound dialect for a provider's wire format, when translation is needed.
public enum ProviderDialects {
    public static func dialect(for format: WireFormat) -> (any ProviderDialect)? {
        switch format {
        case .anthropic: AnthropicDialect()
        case .openAI, .gemini: nil
        }
    }
}
