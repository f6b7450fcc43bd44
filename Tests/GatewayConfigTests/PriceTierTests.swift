import Foundation
import GatewayConfig
import GatewayModel
import Testing

/// Prices written the way vendors publish them: bands by prompt (and output) length, cache-write
/// and thinking prices — and every mistake in them named by file, line and key.
@Suite struct PriceTierTests {
    static let today = Date(timeIntervalSince1970: 1_764_460_800)  // 2025-11-30

    static func yaml(_ model: String, extra: String = "") -> String {
        """
        fx: { CNY: 0.14 }
        providers:
          - name: google
            dialect: gemini
            base_url: https://generativelanguage.googleapis.com
            api_key: env:GOOGLE
            models:
        \(model.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
        \(extra)
        """
    }

    static let geminiPro = """
        - name: gemini-2.5-pro
          currency: USD
          context: 1048576
          cached_input_per_mtok: 0.125
          as_of: 2025-11-01
          source: https://ai.google.dev/gemini-api/docs/pricing
          tiers:
            - { prompt_tokens: 0-200000, input_per_mtok: 1.25, output_per_mtok: 10 }
            - { prompt_tokens: 200000+, input_per_mtok: 2.50, output_per_mtok: 15, cached_input_per_mtok: 0.25 }
        """

    func load(_ text: String, today: Date = today) throws(ConfigurationErrors) -> GatewayConfiguration {
        try ConfigurationLoader(today: today).load(sources: [(file: "Routes/gateway.yaml", text: text)])
    }

    func error(_ text: String) -> String {
        do {
            _ = try load(text)
            return "loaded"
        } catch {
            return error.errors.map(\.description).joined(separator: "\n")
        }
    }

    @Test func tiersInheritTheModelsPricesAndKeepTheirProvenance() throws {
        let configuration = try load(Self.yaml(Self.geminiPro))
        let price = try #require(configuration.providers.first?.models.first?.price)
        #expect(price.tiers.count == 2)
        #expect(price.tiers[0].prompt == TokenRange(above: 0, upTo: 200_000) && price.tiers[1].prompt == TokenRange(above: 200_000))
        #expect(price.tiers[0].prices.cachedInput == Decimal(string: "0.125")!)
        #expect(price.tiers[1].prices == TokenPrices(input: Decimal(string: "2.50")!, output: 15, cachedInput: Decimal(string: "0.25")!))
        #expect(price.asOf == "2025-11-01" && price.source == "https://ai.google.dev/gemini-api/docs/pricing")
        #expect(price.tierIndex(promptTokens: 200_000, outputTokens: 10) == 0)
        #expect(price.tierIndex(promptTokens: 200_001, outputTokens: 10) == 1)
        #expect(configuration.warnings.isEmpty)
    }

    @Test func cacheWriteAndThinkingPricesAreRead() throws {
        let configuration = try load(
            Self.yaml(
                """
                - { name: claude, currency: USD, input_per_mtok: 3, output_per_mtok: 15, cached_input_per_mtok: 0.3, cache_write_5m_per_mtok: 3.75, cache_write_1h_per_mtok: 6 }
                - { name: qwen-plus, currency: CNY, input_per_mtok: 0.8, output_per_mtok: 2, thinking_output_per_mtok: 8 }
                """))
        let models = try #require(configuration.providers.first?.models)
        #expect(models[0].price.entry.cacheWrite5m == Decimal(string: "3.75")! && models[0].price.entry.cacheWrite1h == 6)
        #expect(models[1].price.entry.thinkingOutput == 8)
        #expect(!models[0].price.isTiered)
    }

    @Test func anOverlapIsNamedWithItsLineAndKey() {
        let text = Self.yaml(
            """
            - name: m
              currency: USD
              context: 300000
              tiers:
                - { prompt_tokens: 0-200000, input_per_mtok: 1, output_per_mtok: 2 }
                - { prompt_tokens: 150000+, input_per_mtok: 2, output_per_mtok: 4 }
            """)
        #expect(
            error(text)
                == "Routes/gateway.yaml:13:30: providers[0].models[0].tiers[1].prompt_tokens: prompt tokens 150000+ overlap the band before (prompts up to 200000)"
        )
    }

    @Test func aGapIsNamed() {
        let text = Self.yaml(
            """
            - name: m
              currency: USD
              context: 300000
              tiers:
                - { prompt_tokens: 0-32000, input_per_mtok: 1, output_per_mtok: 2 }
                - { prompt_tokens: 64000+, input_per_mtok: 2, output_per_mtok: 4 }
            """)
        #expect(
            error(text).hasSuffix("tiers[1].prompt_tokens: prompts of 32000-64000 tokens have no price: bands must follow on without a gap")
        )
    }

    @Test func bandsMustReachTheContext() {
        let text = Self.yaml(
            """
            - name: m
              currency: USD
              context: 300000
              tiers:
                - { prompt_tokens: 0-200000, input_per_mtok: 1, output_per_mtok: 2 }
            """)
        #expect(
            error(text).hasSuffix(
                "tiers[0].prompt_tokens: prompts of 200000-300000 tokens (up to the model's context, 300000) have no price"))
    }

    @Test func aTierOnAModelWithoutContextIsRefused() {
        let text = Self.yaml(
            """
            - name: m
              currency: USD
              tiers:
                - { prompt_tokens: 0+, input_per_mtok: 1, output_per_mtok: 2 }
            """)
        #expect(error(text).contains(":11:11: providers[0].models[0].tiers: price tiers by prompt length need the model's context"))
    }

    @Test func outputBandsMustCoverEveryOutput() {
        let split = """
            - name: doubao
              currency: CNY
              context: 256000
              tiers:
                - { prompt_tokens: 0-32000, output_tokens: 0-200, input_per_mtok: 0.8, output_per_mtok: 2 }
                - { prompt_tokens: 0-32000, output_tokens: 200-1000, input_per_mtok: 0.8, output_per_mtok: 8 }
                - { prompt_tokens: 32000+, input_per_mtok: 1.2, output_per_mtok: 16 }
            """
        #expect(
            error(Self.yaml(split)).hasSuffix(
                "tiers[1].output_tokens: outputs over 1000 tokens have no price: the last output band needs no end (1000+)"))
        let missing = split.replacingOccurrences(of: "output_tokens: 0-200, ", with: "")
        #expect(
            error(Self.yaml(missing)).contains(
                "tiers[0]: prompt tokens 0-32000 are split by output length: every tier of them needs output_tokens"))
        let fixed = split.replacingOccurrences(of: "200-1000", with: "200+")
        #expect(error(Self.yaml(fixed)) == "loaded")
    }

    @Test func badNumbersAreNamed() {
        #expect(
            error(Self.yaml("- { name: m, currency: USD, input_per_mtok: -1, output_per_mtok: 2 }")).contains(
                "providers[0].models[0].input_per_mtok: expected a non-negative number such as 0.27, got '-1'"))
        let range = Self.yaml(
            """
            - name: m
              currency: USD
              context: 1000
              tiers: [{ prompt_tokens: 500-100, input_per_mtok: 1, output_per_mtok: 2 }]
            """)
        #expect(error(range).contains("tiers[0].prompt_tokens: '500-100' is empty"))
        let tierWithoutPrice = Self.yaml(
            """
            - name: m
              currency: USD
              context: 1000
              tiers: [{ prompt_tokens: 0+, input_per_mtok: 1 }]
            """)
        #expect(error(tierWithoutPrice).contains("tiers[0]: a tier needs input_per_mtok and output_per_mtok"))
        #expect(
            error(Self.yaml("- { name: m, currency: USD, input_per_mtok: 1, output_per_mtok: 2, as_of: last week }")).contains(
                "as_of: expected a date such as 2026-11-30, got 'last week'"))
    }

    @Test func aPriceInACurrencyWithoutAnFxRateIsNamedWhereRoutesCompareIt() {
        let text = Self.yaml(
            "- { name: m, currency: EUR, input_per_mtok: 1, output_per_mtok: 2 }",
            extra: "routes:\n  - { name: r, strategy: cheapest, targets: [google/m] }")
        #expect(error(text).contains("Routes/gateway.yaml:10:5: routes[0].targets[0]: 'google/m' is priced in EUR"))
    }

    @Test func pricesReadOverNinetyDaysAgoAreWarnedAbout() throws {
        let later = Self.today.addingTimeInterval(120 * 86_400)
        let configuration = try load(Self.yaml(Self.geminiPro), today: later)
        #expect(
            configuration.warnings.map(\.description) == [
                "Routes/gateway.yaml:8:9: providers[0].models[0]: the price of 'gemini-2.5-pro' was read on 2025-11-01, 149 days ago: re-read it from the vendor's price page (https://ai.google.dev/gemini-api/docs/pricing) and update as_of"
            ])
    }

    /// The catalog shipped in seeds/ parses under the same rules, and every price in it was read
    /// within the last 90 days of its newest entry.
    @Test func theShippedCatalogIsWellFormed() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let catalog = try ModelCatalog(contentsOf: root.appendingPathComponent("seeds/catalog.yaml"))
        #expect(catalog.entries.allSatisfy { $0.price.source != nil && $0.price.asOf?.isEmpty == false })
        #expect(catalog.entries.contains { $0.price.isTiered })
    }
}
