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
public final class BudgetBook: Sendable {
    struct Account {
        var budget: Budget
        /// The budget in the reporting currency.
        var limit: Decimal
        var periodStart: Date
        var spent: Decimal = 0
        var reserved: Decimal = 0
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
    }

    private let accounts = Mutex<[SpendScope: Account]>([:])
    /// Reporting-currency units per unit of each other currency.
    let conversion: @Sendable (Decimal, String) -> Decimal?
    let reportingCurrency: String

    public init(reportingCurrency: String, conversion: @escaping @Sendable (Decimal, String) -> Decimal?) {
        self.reportingCurrency = reportingCurrency
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
                account.spent = spent
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
    public func reserve(_ amount: Decimal, on budgets: [(SpendScope, Budget)], now: Date = Date()) throws(Refusal) -> Reservation {
        try accounts.withLock { table throws(Refusal) in
            var starts: [Date] = []
            for (scope, budget) in budgets {
                var account = table[scope] ?? makeAccount(budget, now: now)
                let periodStart = budget.period.start(containing: now)
                if periodStart > account.periodStart {
                    account.periodStart = periodStart
                    account.spent = 0
                }
                table[scope] = account
                starts.append(periodStart)
                if account.spent + account.reserved + amount > account.limit {
                    let used = Money.text(Self.display(account.spent + account.reserved))
                    throw Refusal(
                        message:
                            "The budget of \(scope) (\(budget)) can't cover this request: \(used) \(reportingCurrency) of \(Money.text(Self.display(account.limit))) is spent or reserved this period, and the request may cost up to \(Money.text(Self.display(amount))) \(reportingCurrency).",
                        retryAfterSeconds: budget.period.end(containing: now).map { max(1, Int($0.timeIntervalSince(now).rounded(.up))) })
                }
            }
            for (scope, _) in budgets { table[scope]!.reserved += amount }
            return Reservation(scopes: budgets.map(\.0), amount: amount, periodStarts: starts)
        }
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

    static func display(_ amount: Decimal) -> Decimal {
        var value = amount
        var result = Decimal()
        NSDecimalRound(&result, &value, 6, .up)
        return result
    }

    /// A fresh account for `budget`, its limit in the reporting currency, this period's start.
    private func makeAccount(_ budget: Budget, now: Date) -> Account {
        Account(
            budget: budget, limit: conversion(budget.amount, budget.currency) ?? budget.amount,
            periodStart: budget.period.start(containing: now))
    }
}
