import Foundation
import GatewayModel
import Synchronization

/// The shared-budget side of ``BudgetBook``: what ``BudgetLeaseKeeper`` sends the database and
/// how the answer updates the leases. Only the keeper calls these, one exchange at a time.
extension BudgetBook {
    /// How many times its recent demand a lease aims to hold: enough that most requests find
    /// room without waiting for the database (exchanges run every quarter second or so).
    static let headroomFactor: Decimal = 4
    /// Exchanges without demand before a lease is handed back.
    static let idleExchangesBeforeRelease = 8

    /// The exchanges due: leases running short or with requests waiting, leases larger than
    /// their demand (handed back), and leases due for renewal. `releasing` hands every lease
    /// back (shutdown).
    func dueExchanges(now: Date, renewAfter: TimeInterval, releasing: Bool = false) -> [(SpendScope, BudgetLeaseExchange)] {
        accounts.withLock { table in
            var due: [(SpendScope, BudgetLeaseExchange)] = []
            for (scope, var account) in table {
                guard let lease = account.lease else { continue }
                if account.demand > 0 {
                    account.recentDemand = max(account.demand, account.recentDemand / 2)
                    account.idleExchanges = 0
                } else {
                    account.idleExchanges += 1
                    if account.idleExchanges >= Self.idleExchangesBeforeRelease { account.recentDemand = 0 }
                }
                account.demand = 0
                table[scope] = account

                let headroom = releasing ? 0 : account.recentDemand * Self.headroomFactor
                let inUse = account.inUse
                let free = lease - inUse
                let waiting = account.waiting.reduce(0, +)
                let target = account.reserved + waiting + headroom
                let isDue =
                    !account.waiting.isEmpty || free < headroom / 2 || free > headroom * 2
                    || (releasing && account.spent != account.acknowledged)
                    || ((lease > 0 || account.spent != account.acknowledged) && now.timeIntervalSince(account.lastExchange) >= renewAfter)
                guard isDue else { continue }
                due.append(
                    (
                        scope,
                        BudgetLeaseExchange(
                            scope: scope.accountName, period: account.budget.period, periodStart: account.periodStart,
                            limit: account.limit, openingSpent: account.openingSpent, spent: account.spent,
                            acknowledged: account.acknowledged, heldBefore: lease, target: target,
                            neededTopUp: account.waiting.isEmpty ? 0 : max(0, inUse + waiting - lease),
                            // The smallest waiting request: a partial top-up still serves some.
                            minimumTopUp: account.waiting.min().map { max(0, inUse + $0 - lease) } ?? 0)
                    ))
            }
            // One order for every replica, so two exchanges never wait on each other's rows.
            return due.sorted { $0.1.scope < $1.1.scope }
        }
    }

    /// Takes the database's answer to `exchanges`: what was reported leaves the local count,
    /// the lease becomes what the database now holds for this replica.
    func apply(_ grants: [BudgetLeaseGrant], to exchanges: [(SpendScope, BudgetLeaseExchange)], now: Date) {
        accounts.withLock { table in
            for ((scope, exchange), grant) in zip(exchanges, grants) {
                guard var account = table[scope], account.lease != nil, account.periodStart == exchange.periodStart else { continue }
                account.acknowledged = max(account.acknowledged, exchange.spent)
                account.lease = grant.held
                account.usedEverywhere = grant.usedEverywhere
                account.lastExchange = now
                table[scope] = account
            }
        }
    }

    /// Marks a request of `amount` as waiting on each of `scopes`: the next exchange asks for it.
    func wait(_ amount: Decimal, on scopes: [SpendScope]) {
        accounts.withLock { table in
            for scope in scopes { table[scope]?.waiting.append(amount) }
        }
    }

    /// The request of `amount` no longer waits on `scopes`.
    func stopWaiting(_ amount: Decimal, on scopes: [SpendScope]) {
        accounts.withLock { table in
            for scope in scopes {
                if let index = table[scope]?.waiting.firstIndex(of: amount) { table[scope]!.waiting.remove(at: index) }
            }
        }
    }

    /// Whether the database had room, at the last exchange, to top `scope`'s lease up enough for
    /// `amount` (worth waiting for another exchange).
    func databaseHasRoom(for amount: Decimal, on scope: SpendScope) -> Bool {
        accounts.withLock { table in
            guard let account = table[scope], let lease = account.lease else { return false }
            let needed = account.inUse + amount - lease
            return account.limit - (account.usedEverywhere ?? 0) >= needed
        }
    }

    /// The refusal of a request the database had no room for on `scope`.
    func sharedRefusal(of amount: Decimal, on scope: SpendScope, budget: Budget, now: Date = Date()) -> Refusal {
        accounts.withLock { table in
            let account = table[scope] ?? makeAccount(budget, now: now)
            return Self.refusal(scope, budget, account, amount: amount, currency: reportingCurrency, now: now)
        }
    }
}
