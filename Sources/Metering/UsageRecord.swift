public import Foundation
public import GatewayModel

/// One request attempt that reached a provider: who spent what, where, at which price.
///
/// The unit of the ledger. Money is `Decimal`, rounded to nano-units of its currency once,
/// here, so every report is an exact sum of records (the rounding is 10⁻⁹ of a currency unit
/// per record, far below a cent).
public struct UsageRecord: Sendable, Hashable, Codable {
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
    }

    /// Where the token counts come from.
    public enum UsageSource: String, Sendable, Hashable, Codable {
        case provider
        /// Counted by the gateway (documented in the README) because the provider gave none.
        case estimated
    }

    /// Unique per attempt: the request id and the attempt's number.
    public var id: String
    public var requestID: String
    public var time: Date
    public var tenant: String
    public var keyID: String
    public var route: String
    public var provider: String
    public var model: String
    public var region: String
    public var dialectIn: String
    public var dialectOut: String
    public var streamed: Bool
    public var inputTokens: Int
    public var cachedInputTokens: Int
    public var outputTokens: Int
    public var usageSource: UsageSource
    /// Prices per million tokens, in `currency`.
    public var inputPerMillion: Decimal
    public var cachedInputPerMillion: Decimal
    public var outputPerMillion: Decimal
    public var currency: String
    /// In `currency`.
    public var cost: Decimal
    public var reportingCurrency: String
    /// In `reportingCurrency`; nil when no `fx` rate converts `currency`.
    public var reportingCost: Decimal?
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
        model: String, region: String, dialectIn: String, dialectOut: String, streamed: Bool, usage: TokenUsage,
        usageSource: UsageSource, price: ModelPrice, reportingCurrency: String, fxRate: Decimal?,
        ttftMilliseconds: Int?, totalMilliseconds: Int, status: Int, outcome: Outcome, policy: String, piiMasked: Int
    ) {
        self.id = id
        self.requestID = requestID
        self.time = time
        self.tenant = tenant
        self.keyID = keyID
        self.route = route
        self.provider = provider
        self.model = model
        self.region = region
        self.dialectIn = dialectIn
        self.dialectOut = dialectOut
        self.streamed = streamed
        self.inputTokens = usage.input
        self.cachedInputTokens = usage.cachedInput
        self.outputTokens = usage.output
        self.usageSource = usageSource
        self.inputPerMillion = price.inputPerMillion
        self.cachedInputPerMillion = price.cachedInputPerMillion ?? price.inputPerMillion
        self.outputPerMillion = price.outputPerMillion
        self.currency = price.currency
        let cost = Money.rounded(price.cost(of: usage))
        self.cost = cost
        self.reportingCurrency = reportingCurrency
        self.reportingCost =
            price.currency == reportingCurrency ? cost : fxRate.map { Money.rounded(cost * $0) }
        self.ttftMilliseconds = ttftMilliseconds
        self.totalMilliseconds = totalMilliseconds
        self.status = status
        self.outcome = outcome
        self.policy = policy
        self.piiMasked = piiMasked
    }

    public var usage: TokenUsage { TokenUsage(input: inputTokens, cachedInput: cachedInputTokens, output: outputTokens) }

    /// The field names of the journal and of `ledger export` (the ledger's column names).
    enum CodingKeys: String, CodingKey {
        case id, time, tenant, route, provider, model, region, streamed, currency, cost, status, outcome, policy
        case requestID = "request_id", keyID = "key_id", dialectIn = "dialect_in", dialectOut = "dialect_out"
        case inputTokens = "input_tokens", cachedInputTokens = "cached_input_tokens", outputTokens = "output_tokens"
        case usageSource = "usage_source", inputPerMillion = "input_per_mtok", cachedInputPerMillion = "cached_input_per_mtok"
        case outputPerMillion = "output_per_mtok", reportingCurrency = "reporting_currency", reportingCost = "reporting_cost"
        case ttftMilliseconds = "ttft_ms", totalMilliseconds = "total_ms", piiMasked = "pii_masked"
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

    /// `amount` in nano-units (exact for a rounded amount).
    public static func nanos(_ amount: Decimal) -> Int64 {
        NSDecimalNumber(decimal: rounded(amount) * 1_000_000_000).int64Value
    }

    public static func amount(nanos: Int64) -> Decimal {
        Decimal(nanos) / 1_000_000_000
    }

    /// Plain decimal text (`0.000123`), never exponent notation.
    public static func text(_ amount: Decimal) -> String {
        NSDecimalNumber(decimal: amount).stringValue
    }
}
