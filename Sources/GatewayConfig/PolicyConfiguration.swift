public import Foundation
public import GatewayModel

/// An industry policy (`policies[]`): rules that narrow which targets may serve a request.
/// Bound to tenants (and optionally routes); every policy that applies must be met.
public struct PolicyConfiguration: Sendable, Hashable {
    public var name: String
    /// `provider.region` must be one of these (empty: any).
    public var regions: [String]
    /// `provider.deployment` must be one of these (empty: any).
    public var deployments: [Deployment]
    /// Only providers that keep nothing (`retention: none`).
    public var requiresNoRetention: Bool
    public var allowProviders: [String]
    public var denyProviders: [String]
    /// Model names (as routes use them) or `provider/model` references.
    public var allowModels: [String]
    public var denyModels: [String]
    public var maxInputPerMillion: PriceCeiling?
    public var maxOutputPerMillion: PriceCeiling?
    /// Targets whose measured p95 exceeds this are left out.
    public var latencySLOMilliseconds: Int?
    /// What happens to personal data in prompts bound for public deployments.
    public var personalData: PersonalDataHandling
    /// With `personalData: .mask`: put the originals back into the answer.
    public var restoresPersonalData: Bool

    public init(
        name: String, regions: [String] = [], deployments: [Deployment] = [], requiresNoRetention: Bool = false,
        allowProviders: [String] = [], denyProviders: [String] = [], allowModels: [String] = [], denyModels: [String] = [],
        maxInputPerMillion: PriceCeiling? = nil, maxOutputPerMillion: PriceCeiling? = nil, latencySLOMilliseconds: Int? = nil,
        personalData: PersonalDataHandling = .allow, restoresPersonalData: Bool = false
    ) {
        self.name = name
        self.regions = regions
        self.deployments = deployments
        self.requiresNoRetention = requiresNoRetention
        self.allowProviders = allowProviders
        self.denyProviders = denyProviders
        self.allowModels = allowModels
        self.denyModels = denyModels
        self.maxInputPerMillion = maxInputPerMillion
        self.maxOutputPerMillion = maxOutputPerMillion
        self.latencySLOMilliseconds = latencySLOMilliseconds
        self.personalData = personalData
        self.restoresPersonalData = restoresPersonalData
    }
}

/// A policy's `pii:` rule — e-mail addresses, phone numbers, resident ID and bank card
/// numbers in a prompt, on their way to a provider whose deployment is `public`.
/// Ordered from least to most strict: when several policies apply, the strictest wins.
public enum PersonalDataHandling: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Sent as written.
    case allow
    /// Replaced by placeholders (`[EMAIL_1]`) before the request leaves; private and
    /// on-prem targets still get the original.
    case mask
    /// Such a request may not go to a public deployment at all.
    case block

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// `{ amount: 5, currency: CNY }`: a price per million tokens a target may not exceed.
public struct PriceCeiling: Sendable, Hashable, CustomStringConvertible {
    public var amount: Decimal
    public var currency: String

    public init(amount: Decimal, currency: String) {
        self.amount = amount
        self.currency = currency
    }

    public var description: String { "\(amount) \(currency)" }
}
