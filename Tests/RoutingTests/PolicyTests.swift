import Foundation
import GatewayConfig
import GatewayModel
import Routing
import Testing

/// Industry policies narrowing a route's targets, each rule on its own.
@Suite struct PolicyTests {
    static func provider(
        _ name: String, region: String, deployment: Deployment, retention: String?, input: Decimal, currency: String = "USD"
    ) -> ProviderConfiguration {
        ProviderConfiguration(
            name: name, dialect: .openAI, baseURL: "http://\(name)", region: region, deployment: deployment, retention: retention,
            models: [
                ModelOffering(name: "\(name)-m", price: ModelPrice(inputPerMillion: input, outputPerMillion: input * 2, currency: currency))
            ])
    }

    static let providers = [
        provider("openai", region: "us", deployment: .public, retention: "30d", input: 3),
        provider("deepseek", region: "cn", deployment: .public, retention: "none", input: 2, currency: "CNY"),
        provider("bank-vllm", region: "on-prem", deployment: .onPrem, retention: "none", input: 0),
        provider("qwen-private", region: "cn", deployment: .private, retention: "none", input: 40, currency: "CNY"),
    ]

    static let route = RouteConfiguration(
        name: "chat", targets: providers.map { ModelReference(provider: $0.name, model: "\($0.name)-m") })

    func planned(_ policy: PolicyConfiguration, routePolicy: PolicyConfiguration? = nil, latencies: LatencySnapshot = .empty) -> RoutePlan?
    {
        var route = Self.route
        route.policy = routePolicy?.name
        let configuration = GatewayConfiguration(
            providers: Self.providers, routes: [route], tenants: [TenantConfiguration(name: "bank", policy: policy.name)],
            policies: [policy] + (routePolicy.map { [$0] } ?? []),
            currency: CurrencyConversion(reportingCurrency: "USD", rates: ["CNY": Decimal(string: "0.14")!]))
        return RoutePlanner(configuration: configuration).plan(for: RouteRequest(model: "chat", tenant: "bank"), latencies: latencies)
    }

    func allowed(_ policy: PolicyConfiguration, routePolicy: PolicyConfiguration? = nil) -> [String] {
        planned(policy, routePolicy: routePolicy)?.targets.map(\.provider.name) ?? []
    }

    @Test func eachRuleNarrowsTheTargets() {
        #expect(allowed(.init(name: "p", regions: ["cn", "on-prem"])) == ["deepseek", "bank-vllm", "qwen-private"])
        #expect(allowed(.init(name: "p", deployments: [.private, .onPrem])) == ["bank-vllm", "qwen-private"])
        #expect(allowed(.init(name: "p", requiresNoRetention: true)) == ["deepseek", "bank-vllm", "qwen-private"])
        #expect(allowed(.init(name: "p", denyProviders: ["openai"])) == ["deepseek", "bank-vllm", "qwen-private"])
        #expect(allowed(.init(name: "p", allowProviders: ["bank-vllm"])) == ["bank-vllm"])
        #expect(allowed(.init(name: "p", allowModels: ["deepseek-m", "openai/openai-m"])) == ["openai", "deepseek"])
        #expect(allowed(.init(name: "p", denyModels: ["bank-vllm/bank-vllm-m"])) == ["openai", "deepseek", "qwen-private"])
        // 5 CNY ceiling = 0.70 USD: openai (3 USD) and qwen-private (40 CNY) are above it.
        #expect(allowed(.init(name: "p", maxInputPerMillion: PriceCeiling(amount: 5, currency: "CNY"))) == ["deepseek", "bank-vllm"])
    }

    @Test func tenantAndRoutePoliciesBothApply() {
        let tenant = PolicyConfiguration(name: "finance", regions: ["cn", "on-prem"])
        let route = PolicyConfiguration(name: "private-only", deployments: [.private, .onPrem])
        #expect(allowed(tenant, routePolicy: route) == ["bank-vllm", "qwen-private"])
    }

    @Test func refusalsNameTheRule() throws {
        let plan = try #require(planned(.init(name: "finance", regions: ["eu"])))
        #expect(plan.targets.isEmpty)
        #expect(plan.policyRefusals.last == "policy finance: region 'cn' is not one of eu")
        #expect(plan.policyRefusals.first == "policy finance: region 'us' is not one of eu")
    }

    @Test func aLatencySLOLeavesOutMeasuredSlowTargets() throws {
        let slow = LatencySnapshot([.init(provider: "openai", model: "openai-m"): .init(average: 4000, p95: 6000, samples: 20)])
        let plan = try #require(planned(.init(name: "fast", latencySLOMilliseconds: 3000), latencies: slow))
        #expect(plan.targets.map(\.provider.name) == ["deepseek", "bank-vllm", "qwen-private"])
        #expect(plan.policyRefusals == ["policy fast: measured p95 6000 ms is above latency_slo_ms 3000"])
    }
}
