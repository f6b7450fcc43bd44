public import Foundation
public import GatewayModel
import Synchronization

/// Who a budget or a rate limit belongs to.
public enum SpendScope: Sendable, Hashable, CustomStringConvertible {
    case tenant(String)
    case key(String)

    public var description: String {
        switch self {
        case .tenant(let name): "tenant '\(name)'"
        case .key(let id): "key \(id)"
        }
    }
}

/// Budgets in force: what each tenant and key has spent this period and what requests in
/// flight have reserved, in the reporting currency.
///
/// A request reserves its maximum cost before any provider is called, on every budget that
/// applies, atomically; it is refused when a reservation doesn't fit. When it ends, the
/// reservation is replaced by what it actually cost. So concurrent requests can't overspend:
/// only a request whose actual cost exceeds its bound (a prompt estimate that ran short) can
/// go past a budget, by less than one reservation.
///
/// One gateway process is the authority over its budgets. With several replicas (`shared`),
/// the database is: each replica holds a *lease* on each budget — a slice the database set
/// aside for it atomically (``BudgetLeaseStore``) — and reserves against that slice in memory;
/// ``BudgetLeaseKeeper`` reports what it spent and tops the slice up or hands it back.
public final class BudgetBook: Sendable {
    struct Account {
        var budget: Budget
        /// The budget in the reporting currency.
        var limit: Decimal
        var periodStart: Date
        /// This period's spend (with a shared budget: by this replica, from its leases).
        var spent: Decimal = 0
        /// Shared budgets: how much of `spent` the database has counted (the rest is still
        /// drawn from the lease). Reports are cumulative, so a repeated exchange counts nothing twice.
        var acknowledged: Decimal = 0
        var reserved: Decimal = 0
        /// Shared budgets only: what this replica may reach (its lease); nil when this book is
        /// the authority and `limit` is the ceiling.
        var lease: Decimal?
        /// Shared budgets: what the ledger said the scope spent this period before the account
        /// opened (the database account starts from it if no replica opened it before).
        var openingSpent: Decimal = 0
        /// Shared budgets: amounts of requests waiting for a top-up of the lease.
        var waiting: [Decimal] = []
        /// Shared budgets: reserved since the last exchange, and a decaying memory of it (sizes the lease).
        var demand: Decimal = 0
        var recentDemand: Decimal = 0
        var idleExchanges = 0
        var lastExchange: Date = .distantPast
        /// Shared budgets: spent or leased by all replicas, as of the last exchange.
        var usedEverywhere: Decimal?

        var ceiling: Decimal { lease ?? limit }
        /// What the ceiling must cover: spend not yet counted elsewhere, and reservations.
        var inUse: Decimal { spent - acknowledged + reserved }
    }

    /// A hold on budgets for one request, settled once.
    public struct Reservation: Sendable {
        let scopes: [SpendScope]
        let amount: Decimal
        let periodStarts: [Date]
    }

    /// Why a request doesn't fit.
    public struct Refusal: Error, Sendable {
        public var message: String
        /// Until the period renews (nil for `total` budgets).
        public var retryAfterSeconds: Int?
        /// Shared budgets: the scopes whose lease is too small — the database may still have room.
        public var shortLeases: [SpendScope] = []
        /// The budget can't be checked at all (the database didn't answer): 503, not 429.
        public var isUnavailable = false
    }

    let accounts = Mutex<[SpendScope: Account]>([:])
    /// Budgets held in the database and leased to each replica (see ``BudgetLeaseKeeper``).
    public let shared: Bool
    /// Reporting-currency units per unit of each other currency.
    let conversion: @Sendable (Decimal, String) -> Decimal?
    let reportingCurrency: String

    public init(reportingCurrency: String, shared: Bool = false, conversion: @escaping @Sendable (Decimal, String) -> Decimal?) {
        self.reportingCurrency = reportingCurrency
        self.shared = shared
        self.conversion = conversion
    }

    /// Opens the account of `scope` with what the ledger says it spent this period before
    /// `now`; an account already open only takes the new budget.
    public func open(_ scope: SpendScope, budget: Budget, spentBefore spent: Decimal, now: Date = Date()) {
        let limit = conversion(budget.amount, budget.currency) ?? budget.amount
        accounts.withLock { table in
            if var account = table[scope] {
                account.budget = budget
                account.limit = limit
                table[scope] = account
            } else {
                var account = makeAccount(budget, now: now)
                if shared { account.openingSpent = spent } else { account.spent = spent }
                table[scope] = account
            }
        }
    }

    /// Opens `scope`'s account from the ledger's record of this period (off the hot path: at
    /// start, after a reload, when a key appears). An open account just takes the budget.
    public func load(_ scope: SpendScope, budget: Budget, from ledger: any Ledger, now: Date = Date()) async throws {
        if accounts.withLock({ $0[scope] != nil }) {
            open(scope, budget: budget, spentBefore: 0, now: now)
            return
        }
        var filter = UsageFilter(since: budget.period.start(containing: now), until: now)
        switch scope {
        case .tenant(let name): filter.tenant = name
        case .key(let id): filter.keyID = id
        }
        let rows = try await ledger.spend(SpendQuery(groupBy: [], filter: filter))
        let spent = rows.reduce(Decimal(0)) { sum, row in
            sum + (row.currency == reportingCurrency ? row.cost : conversion(row.cost, row.currency) ?? 0)
        }
        open(scope, budget: budget, spentBefore: spent, now: now)
    }

    /// Reserves `amount` on every budget in `budgets`, or none.
    ///
    /// With shared budgets a refusal may only mean this replica's lease is short
    /// (``Refusal/shortLeases``): ``BudgetLeaseKeeper/reserve(_:on:)`` then asks the database.
    public func reserve(_ amount: Decimal, on budgets: [(SpendScope, Budget)], now: Date = Date()) throws(Refusal) -> Reservation {
        try accounts.withLock { table throws(Refusal) in
            var starts: [Date] = []
            var shortLeases: [SpendScope] = []
            for (scope, budget) in budgets {
                var account = table[scope] ?? makeAccount(budget, now: now)
                let periodStart = budget.period.start(containing: now)
                if periodStart > account.periodStart {
                    account.periodStart = periodStart
                    account.spent = 0
                    // A new period is a new database account: the old lease is left to expire.
                    if shared {
                        account.acknowledged = 0
                        account.lease = 0
                        account.openingSpent = 0
                        account.usedEverywhere = nil
                    }
                }
                table[scope] = account
                starts.append(periodStart)
                if account.inUse + amount > account.ceiling {
                    guard account.lease != nil else {
                        throw Self.refusal(scope, budget, account, amount: amount, currency: reportingCurrency, now: now)
                    }
                    shortLeases.append(scope)
                }
            }
            if !shortLeases.isEmpty {
                throw Refusal(message: "a budget lease of this replica is short", retryAfterSeconds: nil, shortLeases: shortLeases)
            }
            for (scope, _) in budgets {
                table[scope]!.reserved += amount
                table[scope]!.demand += amount
            }
            return Reservation(scopes: budgets.map(\.0), amount: amount, periodStarts: starts)
        }
    }

    /// The refusal of a request of `amount` that doesn't fit `account`.
    static func refusal(_ scope: SpendScope, _ budget: Budget, _ account: Account, amount: Decimal, currency: String, now: Date) -> Refusal
    {
        let used = account.usedEverywhere.map { max($0, account.inUse) } ?? account.inUse
        let whose = account.lease == nil ? "" : " across the gateway's replicas"
        return Refusal(
            message:
                "The budget of \(scope) (\(budget)) can't cover this request: \(Money.text(display(used))) \(currency) of \(Money.text(display(account.limit))) is spent or reserved this period\(whose), and the request may cost up to \(Money.text(display(amount))) \(currency).",
            retryAfterSeconds: budget.period.end(containing: now).map { max(1, Int($0.timeIntervalSince(now).rounded(.up))) })
    }

    /// Replaces `reservation` by what the request actually cost.
    public func settle(_ reservation: Reservation, actual: Decimal) {
        accounts.withLock { table in
            for (scope, start) in zip(reservation.scopes, reservation.periodStarts) {
                guard var account = table[scope] else { continue }
                account.reserved = max(0, account.reserved - reservation.amount)
                // A request that began in the previous period is billed to it, not the new one.
                if account.periodStart == start { account.spent += actual }
                table[scope] = account
            }
        }
    }

    /// Spent and reserved now, in the reporting currency (for tests and the admin API).
    public func balance(of scope: SpendScope) -> (spent: Decimal, reserved: Decimal)? {
        accounts.withLock { $0[scope].map { ($0.spent, $0.reserved) } }
    }

    /// One budget as it stands, in the reporting currency.
    public struct Standing: Sendable {
        public var scope: SpendScope
        public var limit: Decimal
        /// Spent this period (with a shared budget: by every replica, as the database last
        /// said, leases included); a new period that no request has opened yet counts nothing.
        public var spent: Decimal
        public var remaining: Decimal { max(0, limit - spent) }
    }

    /// Every open budget as it stands at `now` (the `switchyard_budget_*` gauges).
    public func standings(now: Date = Date()) -> [Standing] {
        accounts.withLock { table in
            table.map { scope, account in
                let current = account.budget.period.start(containing: now) == account.periodStart
                let spent = account.usedEverywhere.map { max($0, account.spent) } ?? account.spent
                return Standing(scope: scope, limit: account.limit, spent: current ? spent : 0)
            }
        }
    }

    static func display(_ amount: Decimal) -> Decimal {
        var value = amount
        var result = Decimal()
        NSDecimalRound(&result, &value, 6, .up)
        return result
    }

    /// A fresh account for `budget`, its limit in the reporting currency, this period's start.
    func makeAccount(_ budget: Budget, now: Date) -> Account {
        Account(
            budget: budget, limit: conversion(budget.amount, budget.currency) ?? budget.amount,
            periodStart: budget.period.start(containing: now), lease: shared ? 0 : nil)
    }
}
