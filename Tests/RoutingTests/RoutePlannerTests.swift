import Foundation
import GatewayConfig
import GatewayModel
import Routing
import Testing

@Suite struct RoutePlannerTests {
    static func offering(_ name: String) -> ModelOffering {
        ModelOffering(name: name, price: ModelPrice(inputPerMillion: 1, outputPerMillion: 2, currency: "USD"))
    }

    static let configuration = GatewayConfiguration(
        providers: [
            ProviderConfiguration(
                name: "deepseek", dialect: .openAI, baseURL: "http://a", models: [offering("deepseek-chat"), offering("shared")]),
            ProviderConfiguration(
                name: "qwen", dialect: .openAI, baseURL: "http://b", models: [offering("qwen-plus"), offering("shared")]),
            ProviderConfiguration(name: "openai", dialect: .openAI, baseURL: "http://c", models: [offering("gpt-4o-mini")]),
        ],
        routes: [
            RouteConfiguration(
                name: "chat", targets: [.init(provider: "qwen", model: "qwen-plus"), .init(provider: "deepseek", model: "deepseek-chat")]),
            // A route named like a model wins over the model name.
            RouteConfiguration(name: "shared", targets: [.init(provider: "openai", model: "gpt-4o-mini")]),
        ])

    @Test func aRouteNameResolvesToItsTargetsInOrder() throws {
        let plan = try #require(RoutePlanner(configuration: Self.configuration).plan(for: "chat"))
        #expect(plan.routeName == "chat")
        #expect(plan.targets.map(\.reference.description) == ["qwen/qwen-plus", "deepseek/deepseek-chat"])
    }

    @Test func providerSlashModelResolvesToThatModel() throws {
        let plan = try #require(RoutePlanner(configuration: Self.configuration).plan(for: "deepseek/shared"))
        #expect(plan.targets.map(\.reference.description) == ["deepseek/shared"])
        #expect(RoutePlanner(configuration: Self.configuration).plan(for: "deepseek/gpt-4o-mini") == nil)
    }

    @Test func aBareModelNameResolvesToEveryProviderServingIt() throws {
        let planner = RoutePlanner(configuration: Self.configuration)
        #expect(planner.plan(for: "gpt-4o-mini")?.targets.map(\.reference.description) == ["openai/gpt-4o-mini"])
        #expect(planner.plan(for: "shared")?.targets.map(\.reference.description) == ["openai/gpt-4o-mini"])
        #expect(planner.plan(for: "nothing") == nil)
    }

    @Test func unavailableProvidersAreExcludedWithTheirReason() throws {
        let planner = RoutePlanner(configuration: Self.configuration, unavailableProviders: ["qwen": "its key env:QWEN is not set"])
        let plan = try #require(planner.plan(for: "chat"))
        #expect(plan.targets.map(\.reference.description) == ["deepseek/deepseek-chat"])
        #expect(plan.excluded.map(\.reason.description) == ["its key env:QWEN is not set"])
        #expect(!planner.modelNames.map(\.id).contains("qwen/qwen-plus"))
        #expect(planner.modelNames.map(\.id).prefix(2) == ["chat", "shared"])
    }
}
