import Foundation

/// A model's list price, the way its vendor publishes it: per million tokens of each kind —
/// in bands by prompt length (and output length) where the vendor's price depends on them — per
/// thousand searches for rerank models that bill by the search, in one currency.
///
/// Money is `Decimal` end to end: reports must equal the sum of ledger records to the cent.
public struct ModelPrice: Hashable, Sendable {
    /// The bands, in the order they are written; never empty. A model with one price has one
    /// band for every length.
    public var tiers: [PriceTier]
    /// Price of a thousand searches (Cohere bills a query with up to 100 documents as one); nil
    /// when the model bills by the token only.
    public var perThousandSearches: Decimal?
    /// ISO 4217 code, e.g. `USD`, `CNY`.
    public var currency: String
    /// When the price was read from the vendor's price page (`YYYY-MM-DD`), and where.
    public var asOf: String?
    public var source: String?

    public init(
        tiers: [PriceTier], perThousandSearches: Decimal? = nil, currency: String, asOf: String? = nil, source: String? = nil
    ) {
        precondition(!tiers.isEmpty, "a price has at least one band")
        self.tiers = tiers
        self.perThousandSearches = perThousandSearches
        self.currency = currency
        self.asOf = asOf
        self.source = source
    }

    /// One price for every prompt and output length.
    public init(
        inputPerMillion: Decimal, outputPerMillion: Decimal, cachedInputPerMillion: Decimal? = nil,
        perThousandSearches: Decimal? = nil, currency: String
    ) {
        self.init(
            tiers: [
                PriceTier(
                    prices: TokenPrices(input: inputPerMillion, output: outputPerMillion, cachedInput: cachedInputPerMillion))
            ],
            perThousandSearches: perThousandSearches, currency: currency)
    }

    public var isTiered: Bool { tiers.count > 1 }

    /// The band for the shortest prompts: what lists and ceilings written without a length show.
    public var entry: TokenPrices { tiers[0].prices }
    public var inputPerMillion: Decimal { entry.input }
    public var outputPerMillion: Decimal { entry.output }
    public var cachedInputPerMillion: Decimal? { entry.cachedInput }

    /// The band an answer of `promptTokens` and `outputTokens` is billed in: the first that holds
    /// both; a prompt beyond every band (longer than the context the bands were checked against)
    /// is billed in the last band that holds its output.
    public func tierIndex(promptTokens: Int, outputTokens: Int) -> Int {
        if let index = tiers.firstIndex(where: { $0.holds(promptTokens: promptTokens, outputTokens: outputTokens) }) {
            return index
        }
        return tiers.lastIndex { $0.output?.contains(outputTokens) ?? true } ?? tiers.count - 1
    }

    /// The name a record gives its band (``PriceTier/label``), empty for a model with one price.
    public func label(ofTier index: Int) -> String { isTiered ? tiers[index].label : "" }

    /// The cost of `usage` and `searches` at this price, in `currency`, exact (the ledger rounds
    /// each part to nano-units: ``UsageRecord``).
    public func cost(of usage: TokenUsage, searches: Int = 0) -> Decimal {
        let prices = tiers[tierIndex(promptTokens: usage.input, outputTokens: usage.output)].prices
        let prompt = usage.promptParts
        var total = Decimal(prompt.plain) * prices.input + Decimal(prompt.cacheRead) * prices.cacheRead
        total += Decimal(prompt.cacheWrite5m) * prices.cacheWrite5mRate + Decimal(prompt.cacheWrite1h) * prices.cacheWrite1hRate
        total += Decimal(usage.output) * prices.outputRate(thinking: usage.reasoning > 0)
        return total / 1_000_000 + Decimal(searches) * (perThousandSearches ?? 0) / 1_000
    }
}

/// One band's prices per million tokens. A price the vendor doesn't publish apart is the plain
/// one: cached reads and cache writes bill as input, thinking as output.
public struct TokenPrices: Hashable, Sendable {
    public var input: Decimal
    public var output: Decimal
    /// Prompt-cache reads (hits).
    public var cachedInput: Decimal?
    /// Prompt-cache writes kept five minutes (or the vendor's only lifetime).
    public var cacheWrite5m: Decimal?
    /// Prompt-cache writes kept an hour; without a price, the five-minute one.
    public var cacheWrite1h: Decimal?
    /// The output price of an answer that thought (reported reasoning tokens), for vendors
    /// that bill thinking mode apart (Qwen): every output token of that answer is billed at it.
    public var thinkingOutput: Decimal?

    public init(
        input: Decimal, output: Decimal, cachedInput: Decimal? = nil, cacheWrite5m: Decimal? = nil, cacheWrite1h: Decimal? = nil,
        thinkingOutput: Decimal? = nil
    ) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.cacheWrite5m = cacheWrite5m
        self.cacheWrite1h = cacheWrite1h
        self.thinkingOutput = thinkingOutput
    }

    public var cacheRead: Decimal { cachedInput ?? input }
    public var cacheWrite5mRate: Decimal { cacheWrite5m ?? input }
    public var cacheWrite1hRate: Decimal { cacheWrite1h ?? cacheWrite5mRate }
    public func outputRate(thinking: Bool) -> Decimal { thinking ? thinkingOutput ?? output : output }
    /// The dearer of the two output prices: what a budget reserves before it knows.
    public var highestOutput: Decimal { max(output, thinkingOutput ?? output) }
}

/// Counts of tokens above `above` and up to `upTo` (no end when nil) — the way vendors write
/// their bands: `32K < tokens ≤ 128K`. A range from 0 holds 0 too.
public struct TokenRange: Hashable, Sendable {
    public var above: Int
    public var upTo: Int?

    public init(above: Int, upTo: Int? = nil) {
        self.above = above
        self.upTo = upTo
    }

    public static let all = TokenRange(above: 0)

    public func contains(_ count: Int) -> Bool {
        (count > above || (above == 0 && count == 0)) && (upTo.map { count <= $0 } ?? true)
    }

    /// `0-200000`, `200000+`: how ranges are written in the configuration and named in records.
    public var text: String { upTo.map { "\(above)-\($0)" } ?? "\(above)+" }
}

/// One band of a tiered price: the prompt lengths (and output lengths, for vendors that band
/// those too) it applies to, and its prices — which then apply to every token of the answer.
public struct PriceTier: Hashable, Sendable {
    public var prompt: TokenRange
    /// Nil: any output length.
    public var output: TokenRange?
    public var prices: TokenPrices

    public init(prompt: TokenRange = .all, output: TokenRange? = nil, prices: TokenPrices) {
        self.prompt = prompt
        self.output = output
        self.prices = prices
    }

    public func holds(promptTokens: Int, outputTokens: Int) -> Bool {
        prompt.contains(promptTokens) && (output?.contains(outputTokens) ?? true)
    }

    /// How records and `route explain` name the band: the prompt range, and the output range
    /// after a `/` where there is one (`0-32000/200+`).
    public var label: String { prompt.text + (output.map { "/" + $0.text } ?? "") }
}
