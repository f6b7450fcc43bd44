public import Foundation
public import GatewayModel

/// A database that holds the budgets every replica shares, and hands each replica a *lease*:
/// a slice of a budget set aside for it, atomically, so replicas never sell the same money
/// twice and never hold a lock across a request.
///
/// Per account — a scope's budget for one period — the database keeps what was spent and what
/// is leased; a lease is only granted while `spent + leased + grant ≤ limit`. A replica reports
/// what it spent from its leases and asks for the lease it wants next, in one exchange —
/// idempotent, so one whose answer was lost can simply be repeated. A lease
/// its replica stopped renewing (a crash) is counted as spent when it expires: a budget may then
/// be under-used by that slice, never overspent.
public protocol BudgetLeaseStore: Sendable {
    /// Applies `exchanges` for `replica` atomically, each lease renewed for `leaseDuration`;
    /// returns the outcome of each, in order.
    func exchangeLeases(_ exchanges: [BudgetLeaseExchange], replica: String, leaseDuration: Duration) async throws
        -> [BudgetLeaseGrant]
}

/// One budget account's part of an exchange between a replica and the database.
public struct BudgetLeaseExchange: Sendable, Hashable {
    /// `tenant:<name>` or `key:<id>`.
    public var scope: String
    public var period: BudgetPeriod
    public var periodStart: Date
    /// The budget in the reporting currency.
    public var limit: Decimal
    /// What the ledger says the scope spent this period already (used if the account is new).
    public var openingSpent: Decimal
    /// Spent from this replica's leases this period, in all (cumulative, so an exchange repeated
    /// after a lost answer counts nothing twice).
    public var spent: Decimal
    /// How much of `spent` this replica knows the database counted.
    public var acknowledged: Decimal
    /// The lease this replica believes it holds (0: none).
    public var heldBefore: Decimal
    /// The lease wanted after the exchange (less than held: the rest is handed back).
    public var target: Decimal
    /// The top-up every waiting request needs (granted first, as far as there is room).
    public var neededTopUp: Decimal
    /// The least top-up worth granting (the smallest waiting request fits); 0 when none wait.
    public var minimumTopUp: Decimal

    public init(
        scope: String, period: BudgetPeriod, periodStart: Date, limit: Decimal, openingSpent: Decimal, spent: Decimal,
        acknowledged: Decimal, heldBefore: Decimal, target: Decimal, neededTopUp: Decimal = 0, minimumTopUp: Decimal = 0
    ) {
        self.scope = scope
        self.period = period
        self.periodStart = periodStart
        self.limit = limit
        self.openingSpent = openingSpent
        self.spent = spent
        self.acknowledged = acknowledged
        self.heldBefore = heldBefore
        self.target = target
        self.neededTopUp = neededTopUp
        self.minimumTopUp = minimumTopUp
    }
}

/// What the database answered for one account.
public struct BudgetLeaseGrant: Sendable, Hashable {
    /// This replica's lease now.
    public var held: Decimal
    /// Spent plus leased by every replica.
    public var usedEverywhere: Decimal

    public init(held: Decimal, usedEverywhere: Decimal) {
        self.held = held
        self.usedEverywhere = usedEverywhere
    }
}

extension SpendScope {
    /// How the database names the scope's accounts.
    public var accountName: String {
        switch self {
        case .tenant(let name): "tenant:\(name)"
        case .key(let id): "key:\(id)"
        }
    }
}
