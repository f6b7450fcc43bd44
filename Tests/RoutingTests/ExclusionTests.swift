import GatewayConfig
import GatewayModel
import Routing
import Testing

/// Routing decides every exclusion with a typed reason, and the answer for a request no target
/// may take follows from those reasons: 400 for what retrying can't fix, 503/429 for what it can.
@Suite struct ExclusionTests {
    let route = RouteConfiguration(name: "r", strategy: .ordered, targets: StrategyTests.targets, maxAttempts: 2)
    var planner: RoutePlanner { RoutePlanner(configuration: StrategyTests.configuration(route)) }

    @Test func outputLimitsFromTheRequestNeverOverflowTheContextCheck() throws {
        // promptTokens + maxOutputTokens would trap: the sum saturates instead.
        let plan = try #require(planner.plan(for: RouteRequest(model: "r", promptTokens: Int.max, maxOutputTokens: Int.max)))
        #expect(plan.targets.isEmpty)
        #expect(
            plan.excluded.map(\.reason) == [
                .contextWindow(limit: 128_000, needed: Int.max), .contextWindow(limit: 128_000, needed: Int.max),
                .contextWindow(limit: 64_000, needed: Int.max),
            ])
        let error = plan.refusal(model: "r")
        #expect(error.status == 400)
        #expect(error.code == "context_length_exceeded")
        #expect(error.message.contains("largest context window: 128000"))
        // Cost estimates stay finite numbers (Double), never a trap.
        #expect(
            planner.worstCaseCost(
                of: try #require(planner.plan(for: "r")), for: RouteRequest(model: "r", promptTokens: Int.max, maxOutputTokens: Int.max)
            ).isFinite)
    }

    @Test func aCapabilityNoTargetHasIsA400() throws {
        let only = RouteConfiguration(name: "r", targets: [.init(provider: "qwen", model: "qw")])
        let planner = RoutePlanner(configuration: StrategyTests.configuration(only))
        let plan = try #require(planner.plan(for: RouteRequest(model: "r", needs: [.tools])))
        #expect(plan.refusal(model: "r").status == 400)
        #expect(plan.refusal(model: "r").code == "model_not_supported")
    }

    @Test func whatOnlyACompletionsEndpointTakesGoesOnlyWhereOneIsDeclared() throws {
        var configuration = StrategyTests.configuration(route)
        configuration.providers[1].completions = true  // qwen
        var request = RouteRequest(model: "r")
        request.requiredEndpoint = .completions
        let plan = try #require(RoutePlanner(configuration: configuration).plan(for: request))
        #expect(plan.targets.map(\.reference.provider) == ["qwen"])
        #expect(plan.excluded.map(\.reason) == [.lacksEndpoint(.completions), .lacksEndpoint(.completions)])

        let none = try #require(planner.plan(for: request))
        #expect(none.targets.isEmpty)
        let error = none.refusal(model: "r")
        #expect(error.status == 400)
        #expect(error.parameter == "prompt")
        #expect(error.message.contains("completions: true"))
    }

    @Test func openCircuitsAreLeftOutByTheSameDecisionAndCountBeforeMaxAttempts() throws {
        let health = TargetHealth(settings: .init(failureThreshold: 1))
        health.recordFailure(.init(provider: "openai", model: "gpt"))
        let plan = try #require(planner.plan(for: RouteRequest(model: "r"), circuits: health.snapshot()))
        // openai is skipped, so max_attempts 2 still tries two targets.
        #expect(plan.targets.map(\.reference.provider) == ["qwen", "deepseek"])
        #expect(plan.excluded.first?.reason.description.hasPrefix("circuit open for ") == true)
        let explanation = try #require(planner.explain(RouteRequest(model: "r"), circuits: health.snapshot()))
        #expect(explanation.candidates.filter { $0.attempt != nil }.map(\.reference.provider) == ["qwen", "deepseek"])
        #expect(explanation.chosen?.provider == "qwen")
    }

    @Test func everyCircuitOpenIs503OrA429WhenAProviderIsRateLimiting() throws {
        let health = TargetHealth(settings: .init(failureThreshold: 1))
        for target in StrategyTests.targets { health.recordFailure(target) }
        let down = try #require(planner.plan(for: RouteRequest(model: "r"), circuits: health.snapshot()))
        #expect(down.refusal(model: "r").status == 503)
        #expect(down.refusal(model: "r").retryAfterSeconds == 5)
        health.recordFailure(.init(provider: "qwen", model: "qw"), retryAfterSeconds: 30)
        let limited = try #require(planner.plan(for: RouteRequest(model: "r"), circuits: health.snapshot()))
        #expect(limited.refusal(model: "r").status == 429)
    }

    @Test func aWildRetryAfterIsHeldToADay() {
        let health = TargetHealth()
        let target = ModelReference(provider: "p", model: "m")
        health.recordFailure(target, retryAfterSeconds: Int.max)
        guard case .refused(_, let seconds, true) = health.admit(target) else {
            Issue.record("the circuit should be open")
            return
        }
        #expect(seconds == TargetHealth.longestRetryAfterSeconds)
        #expect(health.status(of: target).description.hasPrefix("open for 86400 s"))
    }

    @Test func personalDataUnderBlockLeavesPublicDeploymentsOutAsAPolicyRefusal() throws {
        var configuration = StrategyTests.configuration(RouteConfiguration(name: "r", targets: StrategyTests.targets, policy: "strict"))
        var policy = PolicyConfiguration(name: "strict")
        policy.personalData = .block
        configuration.policies = [policy]
        let planner = RoutePlanner(configuration: configuration)
        var request = RouteRequest(model: "r")
        #expect(planner.personalDataRule(for: request).handling == .block)
        #expect(planner.plan(for: request)?.targets.count == 3, "no personal data found: nothing to block")
        request.personalData = ["email"]
        let plan = try #require(planner.plan(for: request))
        #expect(plan.targets.isEmpty)
        #expect(plan.refusal(model: "r").status == 403)
        #expect(plan.policyRefusals.first?.contains("pii: block") == true)
    }
}
