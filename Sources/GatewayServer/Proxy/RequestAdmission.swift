import Foundation
import GatewayConfig
import GatewayModel
import Metering
import Routing
import Synchronization

/// What a request is held to before any provider is called: the key's allowed routes, the
/// rate limits and budgets of its tenant and key. Admission reserves the request's worst-case
/// cost; the returned charge collects what its attempts actually cost and settles when the
/// request is over (when the last reference to it goes — the end of a stream included).
struct RequestAdmission {
    let gateway: Gateway

    func admit(key: AuthenticatedKey, plan: RoutePlan, request: RouteRequest) async throws(GatewayError) -> RequestCharge? {
        let tenant = gateway.tenants[key.tenant]
        var limits: [(SpendScope, RateLimits)] = []
        if let tenant, !tenant.limits.isEmpty { limits.append((.tenant(tenant.name), tenant.limits)) }
        if !key.limits.isEmpty { limits.append((.key(key.id), key.limits)) }
        var budgets: [(SpendScope, Budget)] = []
        if let budget = tenant?.budget { budgets.append((.tenant(key.tenant), budget)) }
        if let budget = key.budget { budgets.append((.key(key.id), budget)) }
        guard !limits.isEmpty || !budgets.isEmpty else { return nil }

        do {
            try gateway.rateLimiter.admit(tokens: request.promptTokens, under: limits)
        } catch {
            throw GatewayError.rateLimited(error.message, retryAfterSeconds: error.retryAfterSeconds)
        }
        var reservation: BudgetBook.Reservation?
        if !budgets.isEmpty {
            let worst = Decimal(gateway.planner.worstCaseCost(of: plan, for: request))
            do {
                if let leases = gateway.budgetLeases {
                    reservation = try await leases.reserve(Money.rounded(worst), on: budgets)
                } else {
                    reservation = try gateway.budgets.reserve(Money.rounded(worst), on: budgets)
                }
            } catch {
                if error.isUnavailable { throw GatewayError.unavailable(error.message, retryAfterSeconds: error.retryAfterSeconds) }
                throw GatewayError.budgetExceeded(error.message, retryAfterSeconds: error.retryAfterSeconds)
            }
        }
        return RequestCharge(
            budgets: gateway.budgets, reservation: reservation, limiter: gateway.rateLimiter, limitedScopes: limits.map(\.0),
            estimatedPromptTokens: request.promptTokens)
    }
}

/// One admitted request's running bill: each attempt's recorded cost and tokens are added;
/// when the request is over — its JSON answer made, or its stream ended — ``settle()`` replaces
/// the budget reservation with the actual cost and counts the tokens beyond the admission
/// estimate against rate limits.
///
/// Settled in structured code: by ``RequestProxy/forward`` (answers and failures) and by the
/// stream's body (its `defer`). Only a stream whose body never runs — the client gone before
/// the response head could be written, which Hummingbird reports to no one — is left to `deinit`.
final class RequestCharge: Sendable {
    private let budgets: BudgetBook
    private let reservation: BudgetBook.Reservation?
    private let limiter: RateLimiter
    private let limitedScopes: [SpendScope]
    private let estimatedPromptTokens: Int
    /// Nano-units of the reporting currency, and tokens; nil once settled.
    private let bill = Mutex<(cost: Int64, tokens: Int)?>((0, 0))

    init(
        budgets: BudgetBook, reservation: BudgetBook.Reservation?, limiter: RateLimiter, limitedScopes: [SpendScope],
        estimatedPromptTokens: Int
    ) {
        self.budgets = budgets
        self.reservation = reservation
        self.limiter = limiter
        self.limitedScopes = limitedScopes
        self.estimatedPromptTokens = estimatedPromptTokens
    }

    func add(_ record: UsageRecord) {
        bill.withLock { bill in
            guard var running = bill else { return }
            running.cost = running.cost.saturatingAdding(record.reportingCostNanos ?? 0)
            running.tokens = running.tokens.saturatingAdding(record.inputTokens.saturatingAdding(record.outputTokens))
            bill = running
        }
    }

    /// Ends the request's hold on its budgets and limits (once; later calls do nothing).
    func settle() {
        guard
            let (cost, tokens) = bill.withLock({ bill in
                defer { bill = nil }
                return bill
            })
        else { return }
        if let reservation { budgets.settle(reservation, actual: Money.amount(nanos: cost)) }
        limiter.add(tokens: tokens.saturatingSubtracting(estimatedPromptTokens), to: limitedScopes)
    }

    var isSettled: Bool { bill.withLock { $0 == nil } }

    deinit {
        settle()
    }
}
