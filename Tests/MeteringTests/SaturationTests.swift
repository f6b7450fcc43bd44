import Foundation
import GatewayModel
import Testing

@testable import Metering

/// Numbers from providers and config held at their bounds: a provider that reports 2⁶³ tokens,
/// or a price the size of a national debt, costs a saturated amount — never a trap.
@Suite struct SaturationTests {
    @Test func tokenCountsFromAProviderAreHeldToTheirRange() {
        let usage = TokenUsage(input: Int.max, cachedInput: -5, output: Int.max)
        #expect(usage.input == TokenUsage.maximumCount)
        #expect(usage.cachedInput == 0)
        #expect(usage.total == 2 * TokenUsage.maximumCount)
    }

    @Test func durationsInWholeUnitsAreHeldToInt64() {
        #expect(Duration.milliseconds(1_500).wholeMilliseconds == 1_500 && Duration.microseconds(2_999).wholeMilliseconds == 2)
        #expect(Duration.milliseconds(3).wholeNanoseconds == 3_000_000)
        let age = Duration.seconds(Int64.max)  // beyond Int64 nanoseconds and milliseconds
        #expect(age.wholeNanoseconds == .max && age.wholeMilliseconds == .max)
    }

    @Test func theCostOfAWildUsageSaturatesInsteadOfTrapping() {
        let price = ModelPrice(inputPerMillion: 9_000_000_000, outputPerMillion: 9_000_000_000, currency: "USD")
        func cost(_ usage: TokenUsage) -> Int64 {
            UsageRecord(
                id: "r", requestID: "r", time: Date(), tenant: "t", keyID: "k", route: "r", provider: "p", model: "m", region: "",
                dialectIn: "openai", dialectOut: "openai", streamed: false, usage: usage, usageSource: .provider, price: price,
                reportingCurrency: "USD", fxRate: nil, ttftMilliseconds: nil, totalMilliseconds: 1, status: 200, outcome: .completed,
                policy: "", piiMasked: 0
            ).costNanos
        }
        #expect(cost(TokenUsage(input: Int.max, cachedInput: Int.max, cacheWrite5m: Int.max, output: Int.max)) == Int64.max)
        #expect(cost(TokenUsage(input: 1_000_000, output: 0)) == 9_000_000_000 * 1_000_000_000)
    }

    @Test func moneyBeyondNanoUnitsIsHeldAtTheBound() {
        #expect(Money.nanos(Decimal(string: "1e30")!) == Int64.max)
        #expect(Money.nanos(-Decimal(string: "1e30")!) == Int64.min)
        #expect(Money.nanos(Decimal(string: "1.5")!) == 1_500_000_000)
    }

    @Test func saturatingArithmetic() {
        #expect(Int.max.saturatingAdding(1) == Int.max)
        #expect(Int.min.saturatingAdding(-1) == Int.min)
        #expect(Int.min.saturatingSubtracting(1) == Int.min)
        #expect(Int.max.saturatingMultiplied(by: -2) == Int.min)
        #expect(Double.nan.clampedInt == 0)
        #expect(Double.infinity.clampedInt == Int.max)
        #expect(9.3e18.clampedInt == Int.max)
    }

    @Test func aBudgetTooLargeForTheLedgerDoesNotParse() {
        #expect(Budget(parsing: "99999999999999USD/day") == nil)
        #expect(Budget(parsing: "9000000000USD/month") != nil)
    }

    @Test func keyLimitsOutOfRangeNameTheField() {
        let key = VirtualKey.generate()
        for (rpm, tpm, field) in [(0, nil, "rpm"), (Int.max, nil, "rpm"), (nil, 2_000_000_000, "tpm")] as [(Int?, Int?, String)] {
            do {
                _ = try KeyRequest(tenant: "t", rpm: rpm, tpm: tpm).record(for: key, tenants: ["t"], routes: [], converts: { _ in true })
                Issue.record("\(field) out of range was accepted")
            } catch {
                #expect(error.field == field)
            }
        }
    }
}
