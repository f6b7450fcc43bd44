import Foundation
import GatewayModel

/// Whether a provider model meets a policy, and if not, which rule it breaks — in words an
/// operator reads in a 403 or in `route explain`. Latency rules need live figures and are
/// checked by the planner.
public enum PolicyCheck {
    /// Every policy reason starts with this, then the policy's name.
    public static let reasonPrefix = "policy "

    /// The first rule of `policy` that `offering` at `provider` breaks, or nil. Price ceilings
    /// compare the prices of the band `tier` of a tiered price (the one a request's prompt falls in).
    public static func violation(
        of policy: PolicyConfiguration, provider: ProviderConfiguration, offering: ModelOffering, conversion: CurrencyConversion,
        tier: Int = 0
    ) -> String? {
        let rule = "\(reasonPrefix)\(policy.name)"
        if !policy.regions.isEmpty, !policy.regions.contains(provider.region) {
            return "\(rule): region '\(provider.region)' is not one of \(policy.regions.joined(separator: ", "))"
        }
        if !policy.deployments.isEmpty, !policy.deployments.contains(provider.deployment) {
            return
                "\(rule): deployment '\(provider.deployment.rawValue)' is not one of \(policy.deployments.map(\.rawValue).joined(separator: ", "))"
        }
        if policy.requiresNoRetention, provider.retention != "none" {
            return "\(rule): retention must be none, '\(provider.name)' keeps \(provider.retention ?? "an unknown time")"
        }
        if policy.denyProviders.contains(provider.name) { return "\(rule): provider '\(provider.name)' is denied" }
        if !policy.allowProviders.isEmpty, !policy.allowProviders.contains(provider.name) {
            return "\(rule): provider '\(provider.name)' is not in allow_providers"
        }
        let names = [offering.name, "\(provider.name)/\(offering.name)"]
        if policy.denyModels.contains(where: names.contains) { return "\(rule): model '\(offering.name)' is denied" }
        if !policy.allowModels.isEmpty, !policy.allowModels.contains(where: names.contains) {
            return "\(rule): model '\(offering.name)' is not in allow_models"
        }
        let band = offering.price.tiers[min(max(tier, 0), offering.price.tiers.count - 1)]
        let prompts = offering.price.isTiered ? " (band \(band.label))" : ""
        for (label, ceiling, price) in [
            ("input", policy.maxInputPerMillion, band.prices.input), ("output", policy.maxOutputPerMillion, band.prices.output),
        ] {
            guard let ceiling, let limit = conversion.convert(ceiling.amount, from: ceiling.currency) else { continue }
            guard let cost = conversion.convert(price, from: offering.price.currency) else {
                return "\(rule): \(label) price in \(offering.price.currency) can't be compared with max_\(label)_per_mtok (no fx rate)"
            }
            if cost > limit {
                return
                    "\(rule): \(label) price \(price) \(offering.price.currency) per 1M tokens\(prompts) is above max_\(label)_per_mtok \(ceiling)"
            }
        }
        return nil
    }
}
