import Foundation
import GatewayModel
import Metering
import Testing

@testable import GatewayServer

/// A request's hold on its budget ends when the request does — settled by the code that ends
/// it, not whenever the last reference happens to go.
@Suite struct RequestChargeTests {
    @Test func settlingReleasesTheReservationWhileTheChargeIsStillReferenced() throws {
        let book = BudgetBook(reportingCurrency: "USD") { amount, _ in amount }
        let budget = Budget(amount: 10, currency: "USD", period: .total)
        book.open(.tenant("t"), budget: budget, spentBefore: 0)
        let reservation = try book.reserve(2, on: [(.tenant("t"), budget)])
        let charge = RequestCharge(
            budgets: book, reservation: reservation, limiter: RateLimiter(), limitedScopes: [], estimatedPromptTokens: 0)
        #expect(book.balance(of: .tenant("t"))?.reserved == 2)
        charge.settle()
        #expect(charge.isSettled)
        #expect(book.balance(of: .tenant("t"))?.reserved == 0)
        #expect(book.balance(of: .tenant("t"))?.spent == 0)
        charge.settle()  // once only
        #expect(book.balance(of: .tenant("t"))?.reserved == 0)
        withExtendedLifetime(charge) {}
    }
}
