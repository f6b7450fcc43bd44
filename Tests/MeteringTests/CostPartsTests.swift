import Foundation
import GatewayModel
import LedgerTestSupport
import Testing

@testable import Metering

/// A record's cost is the sum of its parts, each billed the way the vendor publishes its price —
/// checked against hand computations from the vendors' price pages.
@Suite struct CostPartsTests {
    static func record(_ usage: TokenUsage, _ price: ModelPrice, fx: Decimal? = nil, reporting: String = "USD") -> UsageRecord {
        UsageRecord(
            id: "r", requestID: "r", time: Date(timeIntervalSince1970: 1_764_460_800), tenant: "t", keyID: "k", route: "r",
            provider: "p", model: "m", region: "", dialectIn: "openai", dialectOut: "openai", streamed: false, usage: usage,
            usageSource: .provider, price: price, reportingCurrency: reporting, fxRate: fx, ttftMilliseconds: nil,
            totalMilliseconds: 1, status: 200, outcome: .completed, policy: "", piiMasked: 0)
    }

    static func decimal(_ text: String) -> Decimal { Decimal(string: text)! }

    static func parts(_ record: UsageRecord) -> [String: Decimal] {
        Dictionary(uniqueKeysWithValues: record.costParts.map { ($0.name, Money.amount(nanos: $0.nanos)) })
    }

    /// Claude Sonnet 4.5: $3 input, $3.75 5-minute writes, $6 1-hour writes, $0.30 reads, $15 output.
    static let sonnet = ModelPrice(
        tiers: [
            PriceTier(
                prices: TokenPrices(
                    input: 3, output: 15, cachedInput: decimal("0.30"), cacheWrite5m: decimal("3.75"), cacheWrite1h: 6))
        ], currency: "USD")

    @Test func cacheWritesOfBothLifetimesBillAtTheirOwnPrices() {
        // Anthropic's usage: input_tokens 1000, cache_read 10000, cache_creation 2000 (5 m) + 4000 (1 h), output 500.
        let usage = TokenUsage(input: 17_000, cachedInput: 10_000, cacheWrite5m: 2_000, cacheWrite1h: 4_000, output: 500)
        let record = Self.record(usage, Self.sonnet)
        // 1000 × 3 + 10000 × 0.30 + 2000 × 3.75 + 4000 × 6 + 500 × 15 = 45000 per million
        #expect(record.cost == Self.decimal("0.045"))
        #expect(
            Self.parts(record) == [
                "input_cost": Self.decimal("0.003"), "cached_input_cost": Self.decimal("0.003"),
                "cache_write_cost": Self.decimal("0.0315"), "output_cost": Self.decimal("0.0075"), "search_cost": 0,
            ])
        #expect(record.cost == Self.sonnet.cost(of: usage))
        // 10000 reads at 3 − 0.30.
        #expect(Money.amount(nanos: record.cacheSavingsNanos) == Self.decimal("0.027"))
        #expect(record.cacheWrite5mPerMillionNanos == 3_750_000_000 && record.cacheWrite1hPerMillionNanos == 6_000_000_000)
        #expect(record.priceTier.isEmpty)
    }

    /// Gemini 2.5 Pro: prompts ≤ 200k at $1.25 / $10 (reads $0.125), longer at $2.50 / $15 (reads $0.25).
    static let geminiPro = ModelPrice(
        tiers: [
            PriceTier(
                prompt: TokenRange(above: 0, upTo: 200_000),
                prices: TokenPrices(input: decimal("1.25"), output: 10, cachedInput: decimal("0.125"))),
            PriceTier(
                prompt: TokenRange(above: 200_000), prices: TokenPrices(input: decimal("2.50"), output: 15, cachedInput: decimal("0.25"))),
        ], currency: "USD")

    @Test func aPromptOverTheBoundaryBillsEveryTokenInTheUpperBand() {
        let under = Self.record(TokenUsage(input: 200_000, cachedInput: 50_000, output: 1_000), Self.geminiPro)
        // 150000 × 1.25 + 50000 × 0.125 + 1000 × 10 = 203750 per million
        #expect(under.cost == Self.decimal("0.20375") && under.priceTier == "0-200000")
        let over = Self.record(TokenUsage(input: 200_001, cachedInput: 50_000, output: 1_000), Self.geminiPro)
        // 150001 × 2.50 + 50000 × 0.25 + 1000 × 15 = 402502.5 per million
        #expect(over.cost == Self.decimal("0.4025025") && over.priceTier == "200000+")
        #expect(over.inputPerMillionNanos == 2_500_000_000 && over.outputPerMillionNanos == 15_000_000_000)
    }

    /// Doubao Seed 1.6 (CNY): prompts ≤ 32k with ≤ 200 output tokens bill output at 2, longer output at 8.
    static let doubao = ModelPrice(
        tiers: [
            PriceTier(
                prompt: TokenRange(above: 0, upTo: 32_000), output: TokenRange(above: 0, upTo: 200),
                prices: TokenPrices(input: decimal("0.8"), output: 2, cachedInput: decimal("0.16"))),
            PriceTier(
                prompt: TokenRange(above: 0, upTo: 32_000), output: TokenRange(above: 200),
                prices: TokenPrices(input: decimal("0.8"), output: 8, cachedInput: decimal("0.16"))),
            PriceTier(
                prompt: TokenRange(above: 32_000, upTo: 128_000),
                prices: TokenPrices(input: decimal("1.2"), output: 16, cachedInput: decimal("0.16"))),
            PriceTier(prompt: TokenRange(above: 128_000), prices: TokenPrices(input: decimal("2.4"), output: 24)),
        ], currency: "CNY")

    @Test func outputLengthChoosesTheBandWhereTheVendorSaysSo() {
        let short = Self.record(TokenUsage(input: 1_000, output: 200), Self.doubao, fx: Self.decimal("0.14"))
        #expect(short.cost == Self.decimal("0.0012") && short.priceTier == "0-32000/0-200")  // 800 + 400
        #expect(short.reportingCost == Self.decimal("0.000168"))
        let long = Self.record(TokenUsage(input: 1_000, output: 201), Self.doubao, fx: Self.decimal("0.14"))
        #expect(long.cost == Self.decimal("0.002408") && long.priceTier == "0-32000/200+")  // 800 + 1608
        let longPrompt = Self.record(TokenUsage(input: 40_000, output: 10), Self.doubao)
        #expect(longPrompt.cost == Self.decimal("0.04816") && longPrompt.priceTier == "32000-128000")  // 48000 + 160
        #expect(longPrompt.reportingCost == nil)
    }

    @Test func thinkingModeBillsTheWholeOutputAtTheThinkingPrice() {
        // Qwen Plus (CNY, ≤ 128k): input 0.8, output 2, thinking output 8.
        let price = ModelPrice(
            tiers: [PriceTier(prices: TokenPrices(input: Self.decimal("0.8"), output: 2, thinkingOutput: 8))], currency: "CNY")
        let thinking = Self.record(TokenUsage(input: 1_000, output: 500, reasoning: 300), price)
        #expect(thinking.cost == Self.decimal("0.0048") && thinking.outputPerMillionNanos == 8_000_000_000)  // 800 + 4000
        let plain = Self.record(TokenUsage(input: 1_000, output: 500), price)
        #expect(plain.cost == Self.decimal("0.0018") && plain.outputPerMillionNanos == 2_000_000_000)  // 800 + 1000
        #expect(thinking.reasoningTokens == 300)
    }

    @Test func savingsAreReportedInTheCurrencyTheCostIs() {
        // DeepSeek: misses 0.28, hits 0.028 (USD); reported in CNY at 7.1.
        let price = ModelPrice(
            inputPerMillion: Self.decimal("0.28"), outputPerMillion: Self.decimal("0.42"), cachedInputPerMillion: Self.decimal("0.028"),
            currency: "USD")
        let record = Self.record(
            TokenUsage(input: 10_000, cachedInput: 8_000, output: 100), price, fx: Self.decimal("7.1"), reporting: "CNY")
        // 2000 × 0.28 + 8000 × 0.028 + 100 × 0.42 = 826 per million; saved 8000 × 0.252 = 2016 per million
        #expect(record.cost == Self.decimal("0.000826"))
        #expect(Money.amount(nanos: record.cacheSavingsNanos) == Self.decimal("0.0143136"))  // 0.002016 × 7.1
    }

    @Test func countsThatDisagreeStayWithinThePrompt() {
        // Reads and writes beyond the prompt are held to it: nothing is billed twice.
        let record = Self.record(TokenUsage(input: 100, cachedInput: 80, cacheWrite5m: 50, output: 0), Self.sonnet)
        #expect(record.cost == Self.decimal("0.000099"))  // 80 × 0.30 + 20 × 3.75
        #expect(record.usage.promptParts == (plain: 0, cacheRead: 80, cacheWrite5m: 20, cacheWrite1h: 0))
    }

    /// Fields declared after day seals began are left out of a sealed line at their standard
    /// value: a record stored before them hashes as it did when its day was sealed.
    @Test func aSealedLineLeavesOutLaterFieldsAtTheirStandardValue() throws {
        // As a ledger reads back a record stored before those fields existed.
        let record = FieldsAddedLaterScenario.asWrittenBefore(
            Self.record(TokenUsage(input: 10, output: 5), ModelPrice(inputPerMillion: 1, outputPerMillion: 2, currency: "USD")))
        var sealed: [UInt8] = []
        record.appendJSONLine(to: &sealed, sealing: true)
        let keys = try #require(try JSONSerialization.jsonObject(with: Data(sealed)) as? [String: Any]).keys
        let before = [
            "id", "request_id", "attempt", "time", "tenant", "key_id", "route", "provider", "model", "region", "dialect_in",
            "dialect_out", "operation", "streamed", "input_tokens", "cached_input_tokens", "output_tokens", "search_units",
            "usage_source", "input_per_mtok", "cached_input_per_mtok", "output_per_mtok", "per_1k_searches", "currency", "cost",
            "reporting_currency", "reporting_cost", "ttft_ms", "total_ms", "status", "outcome", "policy", "pii_masked",
        ]
        #expect(Set(keys) == Set(before))
        var withWrites = record
        withWrites.cacheWrite5mTokens = 3
        var line: [UInt8] = []
        withWrites.appendJSONLine(to: &line, sealing: true)
        #expect(String(decoding: line, as: UTF8.self).contains(#""cache_write_5m_tokens":3"#))
    }
}
