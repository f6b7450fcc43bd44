public import Foundation
public import GatewayModel

/// One request attempt that reached a provider: who spent what, where, at which price.
///
/// The unit of the ledger. Money is `Decimal`, rounded to nano-units of its currency once,
/// here, so every report is an exact sum of records (the rounding is 10⁻⁹ of a currency unit
/// per record, far below a cent).
public struct UsageRecord: Sendable, Hashable, Decodable {
    /// How the attempt ended.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// The client received the whole answer.
        case completed
        /// The provider failed (status, timeout, malformed answer); fallback may have followed.
        case failed
        /// A hedge that lost: started, then cancelled when the other attempt answered.
        case cancelled
        /// The client left before the end.
        case clientGone = "client_gone"
        /// The stream broke off mid-answer.
        case interrupted
        /// The provider answered, but the gateway withheld the answer because its record could
        /// not be made durable (the journal's disk full): the client got 503, or a stream's
        /// error event instead of its end. The provider's usage is kept — it was consumed.
        case refused
    }

    /// Where the token counts come from.
    public enum UsageSource: String, Sendable, Hashable, Codable {
        case provider
        /// Counted by the gateway (docs/metering.md) because the provider gave none.
        case estimated
    }

    /// Unique per attempt: the request id and the attempt's number.
    public var id: String
    public var requestID: String
    /// The attempt's place in its request: 1 for the first, 2… for a fallback or a hedge.
    public var attempt: Int = 1
    public var time: Date
    public var tenant: String
    public var keyID: String
    public var route: String
    public var provider: String
    public var model: String
    public var region: String
    public var dialectIn: String
    public var dialectOut: String
    /// The API the app called (`UpstreamOperation`: `chat`, `completions`, `responses`…).
    public var operation: String
    public var streamed: Bool
    /// The whole prompt; the cached-read and cache-written tokens are within it.
    public var inputTokens: Int
    public var cachedInputTokens: Int
    public var cacheWrite5mTokens: Int = 0
    public var cacheWrite1hTokens: Int = 0
    public var outputTokens: Int
    /// Thinking tokens, within `outputTokens`.
    public var reasoningTokens: Int = 0
    /// Searches billed (rerank); 0 for token-billed operations.
    public var searchUnits: Int
    public var usageSource: UsageSource
    /// The prices that applied, per million tokens, in `currency`, as nano-units: the band's
    /// (`priceTier`), and for the output, the thinking price when the answer thought and the
    /// vendor bills that apart.
    public var inputPerMillionNanos: Int64
    public var cachedInputPerMillionNanos: Int64
    public var cacheWrite5mPerMillionNanos: Int64 = 0
    public var cacheWrite1hPerMillionNanos: Int64 = 0
    public var outputPerMillionNanos: Int64
    /// Price of a thousand searches, in `currency`, as nano-units (0: not billed by the search).
    public var perThousandSearchesNanos: Int64
    /// The band of a tiered price the answer was billed in (``PriceTier/label``: `0-200000`);
    /// empty for a model with one price.
    public var priceTier: String = ""
    public var currency: String
    /// In `currency`, nano-units: the sum of ``costParts``.
    public var costNanos: Int64
    public var reportingCurrency: String
    /// In `reportingCurrency`, nano-units; nil when no `fx` rate converts `currency`.
    public var reportingCostNanos: Int64?
    /// What the cached reads saved against the plain input price, in nano-units of the currency
    /// spend reports total the record's cost in: `reportingCurrency` when its cost converts,
    /// else `currency`.
    public var cacheSavingsNanos: Int64 = 0
    public var ttftMilliseconds: Int?
    public var totalMilliseconds: Int
    /// The HTTP status the attempt ended with (the provider's, or 200).
    public var status: Int
    public var outcome: Outcome
    /// The policies that applied, comma-separated (empty: none).
    public var policy: String
    /// Personal-data values masked before the provider saw the prompt.
    public var piiMasked: Int

    public init(
        id: String, requestID: String, time: Date, tenant: String, keyID: String, route: String, provider: String,
        model: String, region: String, dialectIn: String, dialectOut: String, operation: String = "chat", streamed: Bool,
        usage: TokenUsage, searchUnits: Int = 0, usageSource: UsageSource, price: ModelPrice, reportingCurrency: String, fxRate: Decimal?,
        ttftMilliseconds: Int?, totalMilliseconds: Int, status: Int, outcome: Outcome, policy: String, piiMasked: Int,
        attempt: Int = 1
    ) {
        self.init(
            id: id, requestID: requestID, time: time, tenant: tenant, keyID: keyID, route: route, provider: provider, model: model,
            region: region, dialectIn: dialectIn, dialectOut: dialectOut, operation: operation, streamed: streamed, usage: usage,
            searchUnits: searchUnits, usageSource: usageSource, rates: MoneyRates(price: price, fxRate: fxRate), currency: price.currency,
            reportingCurrency: reportingCurrency,
            ttftMilliseconds: ttftMilliseconds, totalMilliseconds: totalMilliseconds, status: status, outcome: outcome,
            policy: policy, piiMasked: piiMasked, attempt: attempt)
    }

    /// As above, with the price already in nano-units (the proxy keeps one per target).
    public init(
        id: String, requestID: String, time: Date, tenant: String, keyID: String, route: String, provider: String,
        model: String, region: String, dialectIn: String, dialectOut: String, operation: String = "chat", streamed: Bool,
        usage: TokenUsage, searchUnits: Int = 0, usageSource: UsageSource, rates: MoneyRates, currency: String, reportingCurrency: String,
        ttftMilliseconds: Int?, totalMilliseconds: Int, status: Int, outcome: Outcome, policy: String, piiMasked: Int,
        attempt: Int = 1
    ) {
        self.id = id
        self.requestID = requestID
        self.attempt = attempt
        self.time = time
        self.tenant = tenant
        self.keyID = keyID
        self.route = route
        self.provider = provider
        self.model = model
        self.region = region
        self.dialectIn = dialectIn
        self.dialectOut = dialectOut
        self.operation = operation
        self.streamed = streamed
        self.inputTokens = usage.input
        self.cachedInputTokens = usage.cachedInput
        self.cacheWrite5mTokens = usage.cacheWrite5m
        self.cacheWrite1hTokens = usage.cacheWrite1h
        self.outputTokens = usage.output
        self.reasoningTokens = usage.reasoning
        self.searchUnits = searchUnits
        self.usageSource = usageSource
        let band = rates.band(for: usage)
        self.inputPerMillionNanos = band.input
        self.cachedInputPerMillionNanos = band.cachedInput
        self.cacheWrite5mPerMillionNanos = band.cacheWrite5m
        self.cacheWrite1hPerMillionNanos = band.cacheWrite1h
        self.outputPerMillionNanos = usage.reasoning > 0 ? band.thinkingOutput : band.output
        self.perThousandSearchesNanos = rates.search
        self.priceTier = band.label
        self.currency = currency
        self.costNanos = 0
        self.reportingCurrency = reportingCurrency
        self.ttftMilliseconds = ttftMilliseconds
        self.totalMilliseconds = totalMilliseconds
        self.status = status
        self.outcome = outcome
        self.policy = policy
        self.piiMasked = piiMasked
        let parts = costPartNanos
        costNanos = parts.input.saturatingAdding(parts.cachedInput).saturatingAdding(parts.cacheWrite)
            .saturatingAdding(parts.output).saturatingAdding(parts.search)
        let convert: (Int64) -> Int64? = { amount in
            currency == reportingCurrency ? amount : rates.fxNanos.map { Money.convert(amount, atRateNanos: $0) }
        }
        reportingCostNanos = convert(costNanos)
        let savings = Self.partNanos(usage.promptParts.cacheRead, atPerMillion: band.input.saturatingSubtracting(band.cachedInput))
        cacheSavingsNanos = convert(savings) ?? savings  // in the currency the cost is reported in
    }

    public var usage: TokenUsage {
        TokenUsage(
            input: inputTokens, cachedInput: cachedInputTokens, cacheWrite5m: cacheWrite5mTokens, cacheWrite1h: cacheWrite1hTokens,
            output: outputTokens, reasoning: reasoningTokens)
    }

    /// The record's cost in `currency` by what was billed — each part its tokens at the rate the
    /// record holds, rounded once to nano-units — so an auditor can redo `cost` from the record
    /// alone, and `cost` is exactly their sum. In order: plain input, cached reads, cache writes,
    /// output (thinking included), searches.
    public var costParts: [(name: String, nanos: Int64)] {
        let parts = costPartNanos
        return zip(Self.costPartNames, [parts.input, parts.cachedInput, parts.cacheWrite, parts.output, parts.search]).map { ($0, $1) }
    }

    /// The names of ``costParts``, in order (the exports' last columns).
    public static let costPartNames = ["input_cost", "cached_input_cost", "cache_write_cost", "output_cost", "search_cost"]

    /// ``costParts`` as numbers, without an array: made for every record on the request path.
    var costPartNanos: (input: Int64, cachedInput: Int64, cacheWrite: Int64, output: Int64, search: Int64) {
        let prompt = usage.promptParts
        let writes =
            Int128(prompt.cacheWrite5m) * Int128(cacheWrite5mPerMillionNanos) + Int128(prompt.cacheWrite1h)
            * Int128(cacheWrite1hPerMillionNanos)
        // Searches are held to 2⁵³ like token counts, and priced per thousand.
        let searches = Int128(min(max(0, searchUnits), TokenUsage.maximumCount))
        return (
            Self.partNanos(prompt.plain, atPerMillion: inputPerMillionNanos),
            Self.partNanos(prompt.cacheRead, atPerMillion: cachedInputPerMillionNanos), Money.divide(writes, by: 1_000_000),
            Self.partNanos(outputTokens, atPerMillion: outputPerMillionNanos),
            Money.divide(searches * Int128(perThousandSearchesNanos), by: 1_000)
        )
    }

    /// `tokens` at `rate` nano-units per million, rounded once. Counts are at most 2⁵³ and rates
    /// below 2⁶³: the product fits Int128 with room to spare.
    static func partNanos(_ tokens: Int, atPerMillion rate: Int64) -> Int64 {
        Money.divide(Int128(tokens) * Int128(rate), by: 1_000_000)
    }

    public var inputPerMillion: Decimal { Money.amount(nanos: inputPerMillionNanos) }
    public var cachedInputPerMillion: Decimal { Money.amount(nanos: cachedInputPerMillionNanos) }
    public var outputPerMillion: Decimal { Money.amount(nanos: outputPerMillionNanos) }
    /// In `currency`.
    public var cost: Decimal {
        get { Money.amount(nanos: costNanos) }
        set { costNanos = Money.nanos(newValue) }
    }
    /// In `reportingCurrency`; nil when no `fx` rate converts `currency`.
    public var reportingCost: Decimal? {
        get { reportingCostNanos.map { Money.amount(nanos: $0) } }
        set { reportingCostNanos = newValue.map(Money.nanos) }
    }
}

/// Money as the ledger keeps it: `Decimal` rounded to nano-units, stored as an integer count
/// of them so databases sum it exactly.
public enum Money {
    public static let scale = 9

    public static func rounded(_ amount: Decimal) -> Decimal {
        var value = amount
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, .bankers)
        return result
    }

    /// The largest amount nano-units hold (`Int64.max` nanos, about 9.2 billion units).
    public static let largestAmount = Decimal(Int64.max) / 1_000_000_000

    /// `amount` in nano-units (exact for a rounded amount), held at Int64's bounds.
    public static func nanos(_ amount: Decimal) -> Int64 {
        guard !amount.isNaN else { return 0 }
        if amount >= largestAmount { return .max }
        if amount <= -largestAmount { return .min }
        return NSDecimalNumber(decimal: rounded(amount) * 1_000_000_000).int64Value
    }

    public static func amount(nanos: Int64) -> Decimal {
        Decimal(nanos) / 1_000_000_000
    }

    /// Plain decimal text (`0.000123`), never exponent notation.
    public static func text(_ amount: Decimal) -> String {
        NSDecimalNumber(decimal: amount).stringValue
    }

    /// `nanos` as plain decimal text (`1500000` → `0.0015`), by integer arithmetic.
    public static func text(nanos: Int64) -> String {
        var bytes: [UInt8] = []
        ByteText.appendNanos(nanos, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `value / divisor`, rounded half to even (the ledger's one rounding rule).
    static func divide(_ value: Int128, by divisor: Int128) -> Int64 {
        let (truncated, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        var quotient = truncated
        let twice = remainder.magnitude * 2
        if twice > divisor.magnitude || (twice == divisor.magnitude && quotient % 2 != 0) {
            quotient += value < 0 ? -1 : 1
        }
        return Int64(clamping: quotient)
    }

    /// `nanos` of one currency at `rateNanos` (units of the other per unit, in nano-units).
    static func convert(_ nanos: Int64, atRateNanos rateNanos: Int64) -> Int64 {
        divide(Int128(nanos) * Int128(rateNanos), by: 1_000_000_000)
    }
}

/// A model price in nano-units, band by band, so a record's cost is integer arithmetic: prices
/// per million tokens × tokens ÷ 10⁶, rounded once per part.
public struct MoneyRates: Sendable, Hashable {
    /// One band of the price (``PriceTier``), each price already resolved to the one that bills.
    struct Band: Sendable, Hashable {
        var label: String
        var input: Int64
        var cachedInput: Int64
        var cacheWrite5m: Int64
        var cacheWrite1h: Int64
        var output: Int64
        var thinkingOutput: Int64
    }

    let price: ModelPrice
    var bands: [Band]
    var search: Int64
    var fxNanos: Int64?

    /// - Parameter fxRate: units of the reporting currency per unit of the price's currency.
    public init(price: ModelPrice, fxRate: Decimal?) {
        self.price = price
        bands = price.tiers.indices.map { index in
            let prices = price.tiers[index].prices
            return Band(
                label: price.label(ofTier: index), input: Money.nanos(prices.input),
                cachedInput: Money.nanos(prices.cacheRead), cacheWrite5m: Money.nanos(prices.cacheWrite5mRate),
                cacheWrite1h: Money.nanos(prices.cacheWrite1hRate), output: Money.nanos(prices.output),
                thinkingOutput: Money.nanos(prices.outputRate(thinking: true)))
        }
        search = Money.nanos(price.perThousandSearches ?? 0)
        fxNanos = fxRate.map(Money.nanos)
    }

    /// The band `usage` is billed in: chosen by the provider's reported prompt and output.
    func band(for usage: TokenUsage) -> Band {
        bands.count == 1 ? bands[0] : bands[price.tierIndex(promptTokens: usage.input, outputTokens: usage.output)]
    }
}
