import GatewayModel
import Routing
import Testing

/// The circuit breaker's states, on a clock the test moves by hand.
@Suite struct TargetHealthTests {
    let target = ModelReference(provider: "p", model: "m")
    let start = ContinuousClock.now

    @Test func consecutiveFailuresOpenTheCircuitAndAProbeClosesIt() {
        let health = TargetHealth(settings: .init(failureThreshold: 3, firstCooldown: .seconds(5)))
        health.recordFailure(target, now: start)
        health.recordFailure(target, now: start)
        #expect(health.admit(target, now: start) == .allowed)
        health.recordFailure(target, now: start)
        #expect(
            health.admit(target, now: start + .seconds(1))
                == .refused(reason: "open for 4 s (3 failures in a row)", retryAfterSeconds: 4, rateLimited: false))
        // Cool-down over: one probe goes through, others wait for its outcome.
        #expect(health.admit(target, now: start + .seconds(6)) == .probe)
        if case .refused = health.admit(target, now: start + .seconds(6)) {} else { Issue.record("a second probe was admitted") }
        health.recordSuccess(target)
        #expect(health.admit(target, now: start + .seconds(7)) == .allowed)
    }

    @Test func statusDescribesTheCircuitWithoutAdmittingAnything() {
        let health = TargetHealth(settings: .init(failureThreshold: 2, firstCooldown: .seconds(5), probeTimeout: .seconds(60)))
        #expect(health.status(of: target, now: start).description == "closed")
        health.recordFailure(target, now: start)
        #expect(health.status(of: target, now: start).description == "closed (1 failure)")
        #expect(!health.status(of: target, now: start).skipsRequests)
        health.recordFailure(target, now: start)
        #expect(health.status(of: target, now: start + .seconds(1)).description == "open for 4 s (2 failures in a row)")
        #expect(health.status(of: target, now: start + .seconds(1)).skipsRequests)
        #expect(!health.status(of: target, now: start + .seconds(6)).skipsRequests)  // due for a probe
        #expect(health.admit(target, now: start + .seconds(6)) == .probe)  // status admitted nothing before
        #expect(health.status(of: target, now: start + .seconds(7)).skipsRequests)  // the probe is testing it
        #expect(!health.status(of: target, now: start + .seconds(70)).skipsRequests)  // an abandoned probe frees it
    }

    @Test func aFailedProbeDoublesTheCooldown() {
        let health = TargetHealth(settings: .init(failureThreshold: 1, firstCooldown: .seconds(5), longestCooldown: .seconds(12)))
        health.recordFailure(target, now: start)
        #expect(health.admit(target, now: start + .seconds(5)) == .probe)
        health.recordFailure(target, now: start + .seconds(5))
        #expect(health.admit(target, now: start + .seconds(14)) != .probe)  // 10 s now
        #expect(health.admit(target, now: start + .seconds(15)) == .probe)
        health.recordFailure(target, now: start + .seconds(15))
        // Capped at the longest cool-down.
        #expect(health.admit(target, now: start + .seconds(26)) != .probe)
        #expect(health.admit(target, now: start + .seconds(27)) == .probe)
    }

    @Test func aRateLimitHonoursRetryAfter() {
        let health = TargetHealth()
        health.recordFailure(target, retryAfterSeconds: 7, now: start)
        #expect(
            health.admit(target, now: start)
                == .refused(reason: "open for 7 s (rate limited by the provider)", retryAfterSeconds: 7, rateLimited: true))
        #expect(health.admit(target, now: start + .seconds(7)) == .probe)
    }

    @Test func anAbandonedProbeFreesItsSlot() {
        let health = TargetHealth(settings: .init(failureThreshold: 1, firstCooldown: .seconds(1), probeTimeout: .seconds(30)))
        health.recordFailure(target, now: start)
        #expect(health.admit(target, now: start + .seconds(2)) == .probe)
        #expect(health.admit(target, now: start + .seconds(20)) != .probe)
        #expect(health.admit(target, now: start + .seconds(33)) == .probe)
    }
}
