public import GatewayConfig

/// What a request's policies say about personal data in its prompt: the strictest `pii:` of
/// the tenant's and the route's policy, and the policy it came from (for errors and logs).
public struct PersonalDataRule: Sendable, Hashable {
    public var handling: PersonalDataHandling
    /// Masked values go back into the answer.
    public var restores: Bool
    /// The policy that set `handling`; nil when no policy asks for anything.
    public var policy: String?

    public static let allow = PersonalDataRule(handling: .allow, restores: false, policy: nil)

    public init(handling: PersonalDataHandling, restores: Bool, policy: String?) {
        self.handling = handling
        self.restores = restores
        self.policy = policy
    }

    /// This rule narrowed by one more policy's.
    func narrowed(by handling: PersonalDataHandling, restores: Bool, policy: String) -> PersonalDataRule {
        if handling > self.handling { return PersonalDataRule(handling: handling, restores: restores, policy: policy) }
        if handling == self.handling, handling != .allow, restores, !self.restores {
            return PersonalDataRule(handling: handling, restores: true, policy: self.policy)
        }
        return self
    }
}
