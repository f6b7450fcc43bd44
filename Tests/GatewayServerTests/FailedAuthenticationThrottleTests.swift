import Testing

@testable import GatewayServer

/// The throttle on key guessing, on a clock the test moves by hand.
@Suite struct FailedAuthenticationThrottleTests {
    let start = ContinuousClock.now

    @Test func anAddressOutOfAttemptsWaitsForThemToComeBack() {
        let throttle = FailedAuthenticationThrottle(burst: 3, refill: .seconds(2))
        for _ in 0..<3 {
            #expect(throttle.retryAfter(for: "10.0.0.1", now: start) == nil)
            throttle.recordFailure(from: "10.0.0.1", now: start)
        }
        #expect(throttle.retryAfter(for: "10.0.0.1", now: start) == 2)
        #expect(throttle.retryAfter(for: "10.0.0.2", now: start) == nil)
        #expect(throttle.retryAfter(for: "10.0.0.1", now: start + .seconds(2)) == nil)
    }

    @Test func memoryIsBoundedAndRefilledAddressesAreForgotten() {
        let throttle = FailedAuthenticationThrottle(burst: 2, refill: .seconds(1), maximumAddresses: 100)
        for n in 0..<1000 { throttle.recordFailure(from: "10.0.\(n / 256).\(n % 256)", now: start) }
        #expect(throttle.trackedAddresses == 100)
        // Once their allowances have refilled, the table makes room for new addresses.
        throttle.recordFailure(from: "192.168.0.1", now: start + .seconds(5))
        #expect(throttle.trackedAddresses == 1)
    }
}
