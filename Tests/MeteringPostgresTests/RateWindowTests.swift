import Foundation
import GatewayModel
import Metering
import Testing

@testable import MeteringPostgres

/// Rate limits counted across replicas through the database.
@Suite(.enabled(if: testServerURL != nil, "needs SWITCHYARD_TEST_POSTGRES (Tests/all.sh starts a server)"))
struct RateWindowTests {
    @Test func aReplicaCountsTheOthersTrafficAfterASync() async throws {
        try await PostgresLedgerTests.withFreshDatabase { location in
            let ledger = try await PostgresLedger.open(location, logger: PostgresLedgerTests.logger)
            try await ledger.migrate()
            let (a, c) = (RateLimiter(shared: true), RateLimiter(shared: true))
            let syncA = RateWindowSync(limiter: a, store: ledger, replica: "a", logger: PostgresLedgerTests.logger)
            let syncC = RateWindowSync(limiter: c, store: ledger, replica: "c", logger: PostgresLedgerTests.logger)
            let limits = [(SpendScope.tenant("bank"), RateLimits(requestsPerMinute: 5, tokensPerMinute: 1000))]
            let now = Date()
            for _ in 0..<3 { try a.admit(tokens: 100, under: limits, now: now) }
            try c.admit(tokens: 100, under: limits, now: now)
            try await syncA.sync(now: now)
            try await syncC.sync(now: now)
            try await syncA.sync(now: now)  // A learns of C's request
            // 4 requests counted everywhere: one more fits on either replica, not two.
            try c.admit(tokens: 100, under: limits, now: now)
            #expect(throws: RateLimiter.Refusal.self) { try c.admit(tokens: 100, under: limits, now: now) }
            // A hasn't heard of C's second request yet: the tolerance is one sync of the others' traffic.
            try await syncC.sync(now: now)
            try await syncA.sync(now: now)
            #expect(throws: RateLimiter.Refusal.self) { try a.admit(tokens: 100, under: limits, now: now.addingTimeInterval(1)) }
            // Tokens learnt after admission travel too; a repeated sync counts nothing twice.
            a.add(tokens: 500, to: [.tenant("bank")], now: now)
            try await syncA.sync(now: now)
            try await syncA.sync(now: now)
            try await syncC.sync(now: now)
            do {
                try c.admit(tokens: 1, under: [(SpendScope.tenant("bank"), RateLimits(tokensPerMinute: 1000))], now: now)
                Issue.record("800 + 200 tokens of 1000 are used: one more must not fit")
            } catch let refusal as RateLimiter.Refusal {
                #expect(refusal.message.contains("1000 tokens per minute"))
            }
            // A minute later, everyone's window has moved on.
            let later = now.addingTimeInterval(61)
            try await syncC.sync(now: later)
            try c.admit(tokens: 100, under: limits, now: later)
            try await ledger.close()
        }
    }
}
