import Foundation
import GatewayConfig
import GatewayModel
import Routing
import Testing

/// Each strategy's order, on three providers of known price, context and capabilities.
@Suite struct StrategyTests {
    static func offering(
        _ name: String, input: Decimal, output: Decimal, currency: String = "USD", context: Int? = nil,
        capabilities: Set<ModelCapability> = []
    ) -> ModelOffering {
        ModelOffering(
            name: name, price: ModelPrice(inputPerMillion: input, outputPerMillion: output, currency: currency),
            contextTokens: context, capabilities: capabilities)
    }

    /// deepseek: cheap, CNY, small context, tools. qwen: mid, no tools. openai: dear, tools + vision.
    static func configuration(_ route: RouteConfiguration) -> GatewayConfiguration {
        GatewayConfiguration(
            providers: [
                ProviderConfiguration(
                    name: "deepseek", dialect: .openAI, baseURL: "http://a",
                    models: [offering("ds", input: 2, output: 8, currency: "CNY", context: 64_000, capabilities: [.tools, .json])]),
                ProviderConfiguration(
                    name: "qwen", dialect: .openAI, baseURL: "http://b",
                    models: [offering("qw", input: Decimal(string: "0.8")!, output: 2, context: 128_000, capabilities: [.json])]),
                ProviderConfiguration(
                    name: "openai", dialect: .openAI, baseURL: "http://c",
                    models: [offering("gpt", input: 5, output: 15, context: 128_000, capabilities: [.tools, .json, .vision])]),
            ],
            routes: [route], currency: CurrencyConversion(reportingCurrency: "USD", rates: ["CNY": Decimal(string: "0.14")!]))
    }

    static let targets: [ModelReference] = [
        .init(provider: "openai", model: "gpt"), .init(provider: "qwen", model: "qw"), .init(provider: "deepseek", model: "ds"),
    ]

    func order(_ route: RouteConfiguration, _ request: RouteRequest, latencies: LatencySnapshot = .empty) -> [String] {
        RoutePlanner(configuration: Self.configuration(route)).plan(for: request, latencies: latencies)?.targets
            .map(\.reference.provider) ?? []
    }

    @Test func cheapestComparesCostInTheReportingCurrency() {
        let route = RouteConfiguration(name: "r", strategy: .cheapest, targets: Self.targets)
        // deepseek 2/8 CNY = 0.28/1.12 USD beats qwen 0.8/2 USD; openai is dearest.
        #expect(order(route, RouteRequest(model: "r", promptTokens: 1000, maxOutputTokens: 500)) == ["deepseek", "qwen", "openai"])
        // Long prompts, tiny answers: the input price decides (0.28 vs 0.8): deepseek still first.
        #expect(order(route, RouteRequest(model: "r", promptTokens: 50_000, maxOutputTokens: 1)) == ["deepseek", "qwen", "openai"])
    }

    @Test func theExpectedCostIsPromptAtInputPricePlusOutputBoundAtOutputPrice() throws {
        let route = RouteConfiguration(name: "r", strategy: .cheapest, targets: Self.targets, expectedOutputTokens: 1000)
        let planner = RoutePlanner(configuration: Self.configuration(route))
        let qwen = try #require(planner.plan(for: "qwen/qw")?.targets.first)
        let cost = try #require(planner.expectedCost(of: qwen, for: RouteRequest(model: "r", promptTokens: 2000), route: route))
        #expect(abs(cost - (2000 * 0.8 + 1000 * 2) / 1e6) < 1e-12)
    }

    @Test func capabilityAndContextFiltersLeaveTargetsOutWithTheReason() throws {
        let route = RouteConfiguration(name: "r", strategy: .cheapest, targets: Self.targets)
        let planner = RoutePlanner(configuration: Self.configuration(route))
        let tools = try #require(planner.plan(for: RouteRequest(model: "r", needs: [.tools])))
        #expect(tools.targets.map(\.reference.provider) == ["deepseek", "openai"])
        #expect(tools.excluded.map(\.reason.description) == ["lacks tools"])
        let image = try #require(planner.plan(for: RouteRequest(model: "r", needs: [.vision])))
        #expect(image.targets.map(\.reference.provider) == ["openai"])
        let long = try #require(planner.plan(for: RouteRequest(model: "r", promptTokens: 70_000, maxOutputTokens: 4000)))
        #expect(long.targets.map(\.reference.provider) == ["qwen", "openai"])
        #expect(long.excluded.first?.reason.description == "context window 64000 < 74000 tokens needed")
    }

    static let measured = LatencySnapshot([
        .init(provider: "openai", model: "gpt"): .init(average: 300, p95: 500, samples: 50),
        .init(provider: "qwen", model: "qw"): .init(average: 900, p95: 2500, samples: 50),
        .init(provider: "deepseek", model: "ds"): .init(average: 1200, p95: 4000, samples: 50),
    ])

    @Test func fastestFollowsMeasuredLatencyAndTriesUnmeasuredTargetsFirst() {
        let route = RouteConfiguration(name: "r", strategy: .fastest, targets: Self.targets)
        #expect(order(route, RouteRequest(model: "r", roll: 0.5), latencies: Self.measured) == ["openai", "qwen", "deepseek"])
        var partly = Self.measured
        partly.figures[.init(provider: "deepseek", model: "ds")] = nil
        #expect(order(route, RouteRequest(model: "r", roll: 0.5), latencies: partly) == ["deepseek", "openai", "qwen"])
        // A small share of requests tries the runner-up first, to keep measuring it.
        #expect(order(route, RouteRequest(model: "r", roll: 0.01), latencies: Self.measured) == ["qwen", "openai", "deepseek"])
    }

    @Test func balancedIsCheapestAmongThoseMeetingTheSLOThenFastest() {
        let route = RouteConfiguration(name: "r", strategy: .balanced, targets: Self.targets, latencySLOMilliseconds: 3000)
        // deepseek (cheapest) misses the SLO (p95 4000): qwen is the cheapest that meets it.
        #expect(order(route, RouteRequest(model: "r", roll: 0.5), latencies: Self.measured) == ["qwen", "openai", "deepseek"])
        let strict = RouteConfiguration(name: "r", strategy: .balanced, targets: Self.targets, latencySLOMilliseconds: 100)
        // Nobody meets 100 ms: fastest first.
        #expect(order(strict, RouteRequest(model: "r", roll: 0.5), latencies: Self.measured) == ["openai", "qwen", "deepseek"])
    }

    @Test func weightedDrawsByWeight() {
        let route = RouteConfiguration(name: "r", strategy: .weighted, targets: Self.targets, weights: [1, 3, 0])
        var firsts: [String: Int] = [:]
        for step in 0..<1000 {
            let first = order(route, RouteRequest(model: "r", roll: (Double(step) + 0.5) / 1000)).first ?? "-"
            firsts[first, default: 0] += 1
        }
        #expect(firsts == ["openai": 250, "qwen": 750])
    }

    @Test func maxAttemptsCutsThePlan() {
        let route = RouteConfiguration(name: "r", strategy: .cheapest, targets: Self.targets, maxAttempts: 2)
        #expect(order(route, RouteRequest(model: "r")) == ["deepseek", "qwen"])
    }

    @Test func theTrackerKeepsAnAverageAndAP95() throws {
        let tracker = LatencyTracker()
        let target = ModelReference(provider: "p", model: "m")
        for milliseconds in 1...100 { tracker.record(target, milliseconds: Double(milliseconds)) }
        let figures = try #require(tracker.snapshot()[target])
        #expect(figures.samples == 100)
        // The window holds the last 64 samples (37...100): p95 is the 61st of them.
        #expect(figures.p95 == 97)
        #expect(figures.average > 90 && figures.average < 100)
    }

    @Test func theP95KeptInOrderMatchesSortingTheWindow() throws {
        let tracker = LatencyTracker()
        let target = ModelReference(provider: "p", model: "m")
        var generator = SystemRandomNumberGenerator()
        var window: [Double] = []
        for _ in 0..<500 {
            // Repeated values too: a sample leaving the window must take one copy out, not all.
            let milliseconds = Double(Int.random(in: 1...40, using: &generator))
            tracker.record(target, milliseconds: milliseconds)
            window = Array((window + [milliseconds]).suffix(64))
            let sorted = window.sorted()
            let expected = sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
            #expect(try #require(tracker.snapshot()[target]).p95 == expected)
        }
    }
}

extension StrategyTests {
    @Test func explainListsEveryCandidateWithItsCostAndFate() throws {
        let route = RouteConfiguration(name: "r", strategy: .cheapest, targets: Self.targets, maxAttempts: 1)
        let planner = RoutePlanner(configuration: Self.configuration(route))
        let explanation = try #require(planner.explain(RouteRequest(model: "r", promptTokens: 1000, maxOutputTokens: 100, needs: [.tools])))
        #expect(explanation.strategy == "cheapest")
        #expect(explanation.chosen == ModelReference(provider: "deepseek", model: "ds"))
        // Tried first, then the ones filtered out, then the ones beyond max_attempts.
        #expect(explanation.candidates.map(\.reference.provider) == ["deepseek", "qwen", "openai"])
        #expect(explanation.candidates.map(\.excludedBecause) == [nil, "lacks tools", "beyond max_attempts (1)"])
        let cost = try #require(explanation.candidates[0].expectedCost)
        #expect(abs(cost - (1000 * 0.28 + 100 * 1.12) / 1e6) < 1e-12)
    }
}
