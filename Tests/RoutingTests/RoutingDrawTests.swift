import Routing
import Testing

/// Requests' routing draws: uniform in 0..<1, and a new one for every request.
@Suite struct RoutingDrawTests {
    @Test func drawsSpreadEvenlyOverTheUnitInterval() {
        let draws = (0..<100_000).map { _ in RouteRequest(model: "chat").roll }
        #expect(draws.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(Set(draws).count == draws.count)
        // Ten bins of 10,000 expected each; a fair generator strays by ~100 (one standard deviation).
        var bins = [Int](repeating: 0, count: 10)
        for draw in draws { bins[Int(draw * 10)] += 1 }
        #expect(bins.allSatisfy { abs($0 - 10_000) < 600 }, "\(bins)")
        let mean = draws.reduce(0, +) / Double(draws.count)
        #expect(abs(mean - 0.5) < 0.005)
    }

    @Test func aGivenRollIsKept() {
        #expect(RouteRequest(model: "chat", roll: 0.25).roll == 0.25)
    }
}
