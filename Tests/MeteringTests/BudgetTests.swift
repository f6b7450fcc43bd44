import Foundation
import GatewayModel
import Metering
import Testing

@Suite struct BudgetTests {
    static func book() -> BudgetBook {
        BudgetBook(reportingCurrency: "USD") { amount, currency in
            currency == "USD" ? amount : currency == "CNY" ? amount * Decimal(string: "0.14")! : nil
        }
    }

    @Test func budgetsParse() {
        #expect(Budget(parsing: "5USD/day") == Budget(amount: 5, currency: "USD", period: .day))
        #expect(Budget(parsing: "12.5 CNY/month") == Budget(amount: Decimal(string: "12.5")!, currency: "CNY", period: .month))
        #expect(Budget(parsing: "5USD/fortnight") == nil)
        #expect(Budget(parsing: "USD/day") == nil)
        #expect(Budget(parsing: "-5USD/day") == nil)
        #expect(Budget(amount: 5, currency: "USD", period: .week).description == "5 USD/week")
    }

    @Test func periodsStartInUTC() throws {
        let now = try Date("2026-11-25T15:30:00Z", strategy: .iso8601)  // a Wednesday
        #expect(BudgetPeriod.day.start(containing: now) == (try Date("2026-11-25T00:00:00Z", strategy: .iso8601)))
        #expect(BudgetPeriod.week.start(containing: now) == (try Date("2026-11-23T00:00:00Z", strategy: .iso8601)))
        #expect(BudgetPeriod.month.start(containing: now) == (try Date("2026-11-01T00:00:00Z", strategy: .iso8601)))
        #expect(BudgetPeriod.week.end(containing: now) == (try Date("2026-11-30T00:00:00Z", strategy: .iso8601)))
        #expect(BudgetPeriod.month.end(containing: now) == (try Date("2026-12-01T00:00:00Z", strategy: .iso8601)))
        #expect(BudgetPeriod.total.end(containing: now) == nil)
        #expect(BudgetPeriod.total.start(containing: now) == Date(timeIntervalSince1970: 0))
    }

    @Test func concurrentReservationsNeverOverspend() async throws {
        let book = Self.book()
        let budget = Budget(amount: 1, currency: "USD", period: .total)
        let admitted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    guard let reservation = try? book.reserve(Decimal(string: "0.1")!, on: [(.tenant("bank"), budget)]) else {
                        return false
                    }
                    try? await Task.sleep(for: .milliseconds(5))
                    book.settle(reservation, actual: Decimal(string: "0.1")!)
                    return true
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 10)
        #expect(book.balance(of: .tenant("bank"))?.spent == 1)
        #expect(book.balance(of: .tenant("bank"))?.reserved == 0)
    }

    @Test func aRefusalNamesTheBudgetAndSettlingFreesTheUnusedPart() throws {
        let book = Self.book()
        let budget = Budget(amount: 7, currency: "CNY", period: .day)  // 0.98 USD
        let first = try book.reserve(Decimal(string: "0.9")!, on: [(.key("key_a"), budget)])
        #expect(throws: BudgetBook.Refusal.self) { try book.reserve(Decimal(string: "0.1")!, on: [(.key("key_a"), budget)]) }
        do {
            _ = try book.reserve(Decimal(string: "0.1")!, on: [(.key("key_a"), budget)])
        } catch {
            #expect(error.message.contains("key key_a (7 CNY/day)"))
            #expect((error.retryAfterSeconds ?? 0) > 0)
        }
        book.settle(first, actual: Decimal(string: "0.2")!)
        _ = try book.reserve(Decimal(string: "0.5")!, on: [(.key("key_a"), budget)])
    }

    @Test func bothTenantAndKeyBudgetsMustFit() throws {
        let book = Self.book()
        let tenant = Budget(amount: 10, currency: "USD", period: .month)
        let key = Budget(amount: 1, currency: "USD", period: .month)
        _ = try book.reserve(1, on: [(.tenant("bank"), tenant), (.key("k"), key)])
        #expect(throws: BudgetBook.Refusal.self) { try book.reserve(1, on: [(.tenant("bank"), tenant), (.key("k"), key)]) }
        // The refused request reserved nothing on the tenant.
        #expect(book.balance(of: .tenant("bank"))?.reserved == 1)
    }

    @Test func rateLimitsCountRequestsAndTokensPerMinute() throws {
        let limiter = RateLimiter()
        let now = Date()
        let limits = [(SpendScope.tenant("bank"), RateLimits(requestsPerMinute: 3, tokensPerMinute: 1000))]
        for _ in 0..<3 { try limiter.admit(tokens: 10, under: limits, now: now) }
        #expect(throws: RateLimiter.Refusal.self) { try limiter.admit(tokens: 10, under: limits, now: now) }
        do {
            try limiter.admit(tokens: 10, under: limits, now: now.addingTimeInterval(30))
        } catch {
            #expect(error.message == "Rate limit of tenant 'bank' reached: 3 requests per minute.")
            #expect(error.retryAfterSeconds == 30)
        }
        // A minute later the window has moved on.
        try limiter.admit(tokens: 10, under: limits, now: now.addingTimeInterval(61))
        let tokens = [(SpendScope.key("k"), RateLimits(tokensPerMinute: 100))]
        try limiter.admit(tokens: 60, under: tokens, now: now)
        limiter.add(tokens: 30, to: [.key("k")], now: now)
        #expect(throws: RateLimiter.Refusal.self) { try limiter.admit(tokens: 20, under: tokens, now: now) }
    }
}
