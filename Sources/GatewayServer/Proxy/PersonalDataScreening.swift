import Dialects
import GatewayConfig
import GatewayModel
import Privacy
import Routing

/// A request read for personal data under its plan's `pii:` rule: the masked copy a public
/// provider gets, and the vault that restores the answer. Built only when a policy asks for
/// masking or blocking and the request does hold personal data.
struct PersonalDataScreening<Request: PersonalDataMasking>: Sendable {
    let rule: PersonalDataRule
    let masked: Request
    let vault: PersonalDataVault

    /// Screens `request`; nil when it holds no personal data.
    init?(_ request: Request, rule: PersonalDataRule) {
        var vault = PersonalDataVault()
        let masked = request.maskingPersonalData(into: &vault)
        guard !vault.isEmpty else { return nil }
        self.rule = rule
        self.masked = masked
        self.vault = vault
    }

    /// Whether `target` may not see the originals: every public deployment.
    func guards(_ target: RouteTarget) -> Bool { target.provider.deployment == .public }

    /// The kinds found (`email`, `phone`…), for routing under `pii: block`.
    var kindLabels: [String] { vault.kinds.map(\.label) }

    /// Distinct values masked (for the ledger).
    var maskedCount: Int { vault.count }

    /// For `x-switchyard-pii`: `masked email,phone`.
    var headerValue: String { "masked " + vault.kinds.map(\.rawValue).joined(separator: ",") }
}

extension PersonalDataScreening where Request == ChatRequest {
    /// `dialect`, restoring this request's values in answers when the rule says so.
    func outbound(_ dialect: any ProviderDialect) -> any ProviderDialect {
        rule.restores ? PersonalDataRestoringDialect(dialect, vault: vault) : dialect
    }
}
