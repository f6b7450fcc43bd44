import Foundation
import GatewayModel
import Logging
import Metering
import PostgresNIO
import ServiceLifecycle
import Testing

@testable import MeteringPostgres

/// Budgets shared by replicas through the database's leases.
@Suite(.enabled(if: testServerURL != nil, "needs SWITCHYARD_TEST_POSTGRES (Tests/all.sh starts a server)"))
struct BudgetLeaseTests {
    static let start = try! Date("2026-11-01T00:00:00Z", strategy: .iso8601)

    static func exchange(
        spent: Decimal = 0, held: Decimal = 0, target: Decimal, needed: Decimal = 0, minimum: Decimal = 0, limit: Decimal = 1
    ) -> BudgetLeaseExchange {
        BudgetLeaseExchange(
            scope: "tenant:bank", period: .month, periodStart: start, limit: limit, openingSpent: 0, spent: spent,
            acknowledged: 0, heldBefore: held, target: target, neededTopUp: needed, minimumTopUp: minimum)
    }

    @Test func leasesNeverHandOutTheSameMoneyTwice() async throws {
        try await PostgresLedgerTests.withFreshDatabase { location in
            let ledger = try await PostgresLedger.open(location, logger: PostgresLedgerTests.logger)
            try await ledger.migrate()
            func trade(_ replica: String, _ exchange: BudgetLeaseExchange) async throws -> BudgetLeaseGrant {
                try #require(try await ledger.exchangeLeases([exchange], replica: replica, leaseDuration: .seconds(60)).first)
            }
            // Near the limit a replica gets at most half of what is left.
            #expect(
                try await trade("a", Self.exchange(target: Decimal(string: "0.6")!)) == BudgetLeaseGrant(held: 0.5, usedEverywhere: 0.5))
            #expect(
                try await trade("b", Self.exchange(target: Decimal(string: "0.6")!))
                    == BudgetLeaseGrant(held: 0.25, usedEverywhere: 0.75))
            // A reports what it spent from its lease and hands the rest back; the same exchange
            // repeated (its answer lost on the way) changes nothing more.
            for _ in 0..<2 {
                #expect(
                    try await trade("a", Self.exchange(spent: Decimal(string: "0.4")!, held: 0.5, target: 0))
                        == BudgetLeaseGrant(held: 0, usedEverywhere: Decimal(string: "0.65")!))
            }
            // B's smallest waiting request needs 0.4 more than it holds: 0.35 is left, so nothing
            // is granted (no hoarding).
            #expect(
                try await trade(
                    "b", Self.exchange(held: 0.25, target: 1, needed: Decimal(string: "0.5")!, minimum: Decimal(string: "0.4")!))
                    == BudgetLeaseGrant(held: 0.25, usedEverywhere: Decimal(string: "0.65")!))
            // Waiting requests are served first, past the half rule; headroom gets half of the rest.
            #expect(
                try await trade(
                    "b", Self.exchange(held: 0.25, target: 1, needed: Decimal(string: "0.25")!, minimum: Decimal(string: "0.1")!))
                    == BudgetLeaseGrant(held: Decimal(string: "0.55")!, usedEverywhere: Decimal(string: "0.95")!))
            try await ledger.close()
        }
    }

    @Test func theLeaseOfAReplicaThatVanishedCountsAsSpent() async throws {
        try await PostgresLedgerTests.withFreshDatabase { location in
            let ledger = try await PostgresLedger.open(location, logger: PostgresLedgerTests.logger)
            try await ledger.migrate()
            let lost = try await ledger.exchangeLeases([Self.exchange(target: 0.2)], replica: "crashed", leaseDuration: .milliseconds(100))
            #expect(lost.first?.held == 0.2)
            try await Task.sleep(for: .milliseconds(300))
            let other = try await ledger.exchangeLeases([Self.exchange(target: 0.1)], replica: "alive", leaseDuration: .seconds(60))
            #expect(other.first == BudgetLeaseGrant(held: 0.1, usedEverywhere: Decimal(string: "0.3")!))
            // Back from a partition, the replica's report of what it spent from that lease is not counted again.
            let back = try await ledger.exchangeLeases(
                [Self.exchange(spent: 0.15, held: 0.2, target: 0)], replica: "crashed", leaseDuration: .seconds(60))
            #expect(back.first == BudgetLeaseGrant(held: 0, usedEverywhere: Decimal(string: "0.3")!))
            try await ledger.close()
        }
    }

    @Test func threeReplicasUnderLoadStayWithinOneBudget() async throws {
        try await PostgresLedgerTests.withFreshDatabase { location in
            let ledgers = try await (0..<3).asyncMap { _ in try await PostgresLedger.open(location, logger: PostgresLedgerTests.logger) }
            try await ledgers[0].migrate()
            let budget = Budget(amount: 1, currency: "USD", period: .month)
            let scope = SpendScope.tenant("bank")
            let books = ledgers.map { _ in BudgetBook(reportingCurrency: "USD", shared: true) { amount, _ in amount } }
            let keepers = zip(books, ledgers).map { book, ledger in
                BudgetLeaseKeeper(book: book, store: ledger, interval: .milliseconds(20), logger: PostgresLedgerTests.logger)
            }
            let group = ServiceGroup(services: keepers, logger: PostgresLedgerTests.logger)
            let running = Task { try await group.run() }

            let price = Decimal(string: "0.01")!
            let outcomes = await withTaskGroup(of: String.self) { tasks in
                for keeper in keepers {
                    for _ in 0..<60 {
                        tasks.addTask {
                            do {
                                let reservation = try await keeper.reserve(price, on: [(scope, budget)])
                                try? await Task.sleep(for: .milliseconds(Int.random(in: 1...5)))
                                keeper.book.settle(reservation, actual: price)
                                return "admitted"
                            } catch let refusal as BudgetBook.Refusal {
                                return refusal.isUnavailable ? "unavailable" : "refused"
                            } catch {
                                return "\(error)"
                            }
                        }
                    }
                }
                return await tasks.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
            }
            await group.triggerGracefulShutdown()
            try await running.value

            let admitted = outcomes["admitted"] ?? 0
            #expect(outcomes["unavailable"] == nil)
            #expect(admitted <= 100, "never more than the budget")
            // Near the limit, headroom another replica leased may refuse a request while the database
            // as a whole still has room (under-use, never overspend): most must fit all the same.
            #expect(admitted >= 60, "waiting requests are served first: \(outcomes)")
            // Every lease was handed back at shutdown; what was spent is exactly what was admitted.
            let rows = try await ledgers[0].client.query("SELECT spent_nanos, leased_nanos FROM budget_accounts")
            var accounts: [(Int64, Int64)] = []
            for try await row in rows.decode((Int64, Int64).self) { accounts.append(row) }
            #expect(accounts.count == 1)
            #expect(accounts.first?.0 == Money.nanos(price) * Int64(admitted))
            #expect(accounts.first?.1 == 0)
            for ledger in ledgers { try await ledger.close() }
        }
    }
}
