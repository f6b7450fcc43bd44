public import GatewayConfig
import GatewayModel

/// Turns a request's `model` into an ordered plan of provider models. No I/O: a pure
/// function of the configuration snapshot, so it is unit-tested alone and cheap on the hot path.
///
/// A `model` resolves, in this order, as: a route name; `provider/model`; a bare model
/// name served by one or more providers (in the order providers are configured).
public struct RoutePlanner: Sendable {
    public let configuration: GatewayConfiguration
    /// Providers that can't be called (e.g. their key variable is unset), with the reason.
    public let unavailableProviders: [String: String]

    private let routesByName: [String: RouteConfiguration]
    private let targetsByModelName: [String: [RouteTarget]]

    public init(configuration: GatewayConfiguration, unavailableProviders: [String: String] = [:]) {
        self.configuration = configuration
        self.unavailableProviders = unavailableProviders
        self.routesByName = Dictionary(configuration.routes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var byModel: [String: [RouteTarget]] = [:]
        for provider in configuration.providers {
            for offering in provider.models {
                byModel[offering.name, default: []].append(RouteTarget(provider: provider, offering: offering))
            }
        }
        self.targetsByModelName = byModel
    }

    /// The plan for `model`, or `nil` when it names nothing this gateway knows.
    public func plan(for model: String) -> RoutePlan? {
        let candidates: [RouteTarget]
        if let route = routesByName[model] {
            candidates = route.targets.compactMap(target(for:))
        } else if let reference = ModelReference(parsing: model), let target = target(for: reference) {
            candidates = [target]
        } else if let targets = targetsByModelName[model] {
            candidates = targets
        } else {
            return nil
        }
        var plan = RoutePlan(routeName: model, targets: [])
        for candidate in candidates {
            if let reason = unavailableProviders[candidate.provider.name] {
                plan.excluded.append((candidate.reference, reason))
            } else {
                plan.targets.append(candidate)
            }
        }
        return plan
    }

    /// Every name a client may put in `model`: routes first, then `provider/model` for each offering.
    public var modelNames: [(id: String, ownedBy: String)] {
        var names = configuration.routes.map { (id: $0.name, ownedBy: "switchyard") }
        for provider in configuration.providers where unavailableProviders[provider.name] == nil {
            for offering in provider.models {
                names.append((id: "\(provider.name)/\(offering.name)", ownedBy: provider.name))
            }
        }
        return names
    }

    private func target(for reference: ModelReference) -> RouteTarget? {
        guard let provider = configuration.provider(named: reference.provider),
            let offering = provider.model(named: reference.model)
        else { return nil }
        return RouteTarget(provider: provider, offering: offering)
    }
}
