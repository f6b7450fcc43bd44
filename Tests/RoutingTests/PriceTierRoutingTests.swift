import Foundation
import GatewayConfig
import GatewayModel
import Routing
import Testing

/// Routing prices each request at the band its prompt falls in: `cheapest` flips across a tier
/// boundary, ceilings apply per band, budgets reserve at the dearest band the answer may land in.
@Suite struct PriceTierRoutingTests {
    /// Gemini 2.5 Pro's bands (≤ 200k: $1.25 / $10; longer: $2.50 / $15) against a flat $2 / $10.
    static let tiered = ModelPrice(
        tiers: [
            PriceTier(prompt: TokenRange(above: 0, upTo: 200_000), prices: TokenPrices(input: Decimal(string: "1.25")!, output: 10)),
            PriceTier(prompt: TokenRange(above: 200_000), prices: TokenPrices(input: Decimal(string: "2.50")!, output: 15)),
        ], currency: "USD")

    static func planner(policy: PolicyConfiguration? = nil, thinking: Decimal? = nil) -> RoutePlanner {
        var flat = ModelPrice(inputPerMillion: 2, outputPerMillion: 10, currency: "USD")
        flat.tiers[0].prices.thinkingOutput = thinking
        let configuration = GatewayConfiguration(
            providers: [
                ProviderConfiguration(
                    name: "google", dialect: .gemini, baseURL: "http://g",
                    models: [ModelOffering(name: "pro", price: tiered, contextTokens: 1_048_576)]),
                ProviderConfiguration(
                    name: "other", dialect: .openAI, baseURL: "http://o",
                    models: [ModelOffering(name: "flat", price: flat, contextTokens: 1_048_576)]),
            ],
            routes: [
                RouteConfiguration(
                    name: "r", strategy: .cheapest,
                    targets: [.init(provider: "other", model: "flat"), .init(provider: "google", model: "pro")], policy: policy?.name)
            ],
            policies: policy.map { [$0] } ?? [])
        return RoutePlanner(configuration: configuration)
    }

    func order(_ planner: RoutePlanner, prompt: Int) -> [String] {
        planner.plan(for: RouteRequest(model: "r", promptTokens: prompt, maxOutputTokens: 1_000))?.targets.map(\.reference.provider)
            ?? []
    }

    @Test func cheapestFlipsWhenThePromptCrossesATierBoundary() {
        let planner = Self.planner()
        #expect(order(planner, prompt: 199_000) == ["google", "other"])  // 1.25 < 2
        #expect(order(planner, prompt: 201_000) == ["other", "google"])  // 2.50 > 2
        let explanation = planner.explain(RouteRequest(model: "r", promptTokens: 201_000, maxOutputTokens: 1_000))
        let pro = explanation?.candidates.first { $0.reference.provider == "google" }
        #expect(pro?.priceTier == "200000+")
        // 201000 × 2.50 + 1000 × 15 per million
        #expect(abs((pro?.expectedCost ?? 0) - 0.5175) < 1e-12)
        #expect(explanation?.table.contains("(price band 200000+)") == true)
    }

    @Test func aPriceCeilingAppliesToTheBandTheRequestFallsIn() {
        let ceiling = PolicyConfiguration(name: "cheap", maxInputPerMillion: PriceCeiling(amount: 2, currency: "USD"))
        let planner = Self.planner(policy: ceiling)
        #expect(order(planner, prompt: 100_000) == ["google", "other"])
        #expect(order(planner, prompt: 300_000) == ["other"])
        let excluded = planner.plan(for: RouteRequest(model: "r", promptTokens: 300_000, maxOutputTokens: 1_000))?.excluded.first
        #expect(
            excluded?.reason.description
                == "policy cheap: input price 2.5 USD per 1M tokens (band 200000+) is above max_input_per_mtok 2 USD")
    }

    @Test func budgetsReserveAtTheDearestBandAndThinkingPrice() {
        let planner = Self.planner(thinking: 40)
        let request = RouteRequest(model: "r", promptTokens: 300_000, maxOutputTokens: 1_000)
        let plan = planner.plan(for: request)!
        // google: 300000 × 2.50 + 1000 × 15 = 765000; other: 300000 × 2 + 1000 × 40 (thinking) = 640000.
        #expect(abs(planner.worstCaseCost(of: plan, for: request) - 0.765) < 1e-12)
        let short = RouteRequest(model: "r", promptTokens: 1_000, maxOutputTokens: 1_000)
        // other, thinking: 1000 × 2 + 1000 × 40 = 42000 beats google's 1000 × 1.25 + 1000 × 10.
        #expect(abs(planner.worstCaseCost(of: planner.plan(for: short)!, for: short) - 0.042) < 1e-12)
    }
}
