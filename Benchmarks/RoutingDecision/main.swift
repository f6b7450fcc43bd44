import Foundation
import GatewayConfig
import GatewayModel
import Routing

/// The cost of one routing decision: a `cheapest` route over 50 targets in two currencies,
/// a tenant policy (regions, retention, a deny list, a CNY price ceiling), measured latencies,
/// capability needs. Prints nanoseconds per decision (median of several runs).
///
///   swift run -c release RoutingDecisionBenchmark [decisions]
@main
enum RoutingDecisionBenchmark {
    static func main() {
        let decisions = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 200_000 : 200_000
        var providers: [ProviderConfiguration] = []
        var targets: [ModelReference] = []
        var latencies: [ModelReference: LatencySnapshot.Figures] = [:]
        for index in 0..<50 {
            let currency = index.isMultiple(of: 2) ? "USD" : "CNY"
            let offering = ModelOffering(
                name: "model-\(index)",
                price: ModelPrice(
                    inputPerMillion: Decimal(1 + index % 7), outputPerMillion: Decimal(2 + index % 11), currency: currency),
                contextTokens: 128_000, capabilities: [.tools, .json])
            let provider = ProviderConfiguration(
                name: "provider-\(index)", dialect: .openAI, baseURL: "http://p\(index)",
                region: ["cn", "us", "on-prem", "eu"][index % 4], retention: index % 3 == 0 ? "30d" : "none",
                models: [offering])
            providers.append(provider)
            let reference = ModelReference(provider: provider.name, model: offering.name)
            targets.append(reference)
            latencies[reference] = .init(average: Double(200 + index * 13 % 900), p95: Double(400 + index * 29 % 2000), samples: 64)
        }
        let policy = PolicyConfiguration(
            name: "finance", regions: ["cn", "on-prem"], requiresNoRetention: true, denyProviders: ["provider-2"],
            maxInputPerMillion: PriceCeiling(amount: 40, currency: "CNY"), latencySLOMilliseconds: 2500)
        let configuration = GatewayConfiguration(
            providers: providers, routes: [RouteConfiguration(name: "chat", strategy: .cheapest, targets: targets)],
            tenants: [TenantConfiguration(name: "bank", policy: "finance")], policies: [policy],
            currency: CurrencyConversion(reportingCurrency: "USD", rates: ["CNY": Decimal(string: "0.14")!]))
        let planner = RoutePlanner(configuration: configuration)
        let snapshot = LatencySnapshot(latencies)
        let request = RouteRequest(model: "chat", promptTokens: 1200, maxOutputTokens: 400, needs: [.tools], tenant: "bank", roll: 0.5)

        var results: [Double] = []
        var chosen = 0
        for _ in 0..<5 {
            let clock = ContinuousClock()
            let elapsed = clock.measure {
                for _ in 0..<decisions {
                    chosen &+= planner.plan(for: request, latencies: snapshot)?.targets.count ?? 0
                }
            }
            results.append(
                Double(elapsed.components.attoseconds) / 1e9 / Double(decisions) + Double(elapsed.components.seconds) * 1e9
                    / Double(decisions))
        }
        let median = results.sorted()[results.count / 2]
        let plan = planner.plan(for: request, latencies: snapshot)
        print(String(format: "RESULT targets=50 allowed=%d ns_per_decision=%.0f (checksum %d)", plan?.targets.count ?? 0, median, chosen))
    }
}
