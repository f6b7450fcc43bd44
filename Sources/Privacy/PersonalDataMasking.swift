public import GatewayModel

/// A request whose text can be screened: the same request with personal data replaced by
/// placeholders recorded in a vault (``PersonalDataVault``).
public protocol PersonalDataMasking: Sendable {
    func maskingPersonalData(into vault: inout PersonalDataVault) -> Self
}

extension ChatRequest: PersonalDataMasking {}

extension EmbeddingRequest: PersonalDataMasking {
    /// Texts masked (token ids are not read): what is embedded is the masked text, so a vector
    /// made from it places `[EMAIL_1]` where the address was — documents that differ only in
    /// personal data land on nearly the same vector.
    public func maskingPersonalData(into vault: inout PersonalDataVault) -> EmbeddingRequest {
        var masked = self
        masked.inputs = inputs.map { input in
            if case .text(let text) = input { .text(vault.mask(text)) } else { input }
        }
        return masked
    }
}

extension RerankRequest: PersonalDataMasking {
    /// Query and documents masked; the caller's own documents come back (results name them by index).
    public func maskingPersonalData(into vault: inout PersonalDataVault) -> RerankRequest {
        var masked = self
        masked.query = vault.mask(query)
        masked.documents = documents.map { vault.mask($0) }
        return masked
    }
}
