import Foundation
import GatewayModel

extension UsageRecord {
    /// Every field of a usage record, in the order the journal, the exports and the ledgers'
    /// `usage_records` view list them — the one declaration they all follow (``UsageField``).
    public static let fields: [UsageField] = [
        .text("id", { $0.id }, { $0.id = $1 }),
        .text("request_id", { $0.requestID }, { $0.requestID = $1 }),
        // Records stored before the field existed count as first attempts.
        .integer("attempt", standard: 1, { $0.attempt }, { $0.attempt = $1 }),
        UsageField(
            "time", .time, get: { .time($0.time) }, set: { record, value in if case .time(let time) = value { record.time = time } }),
        .text("tenant", place: .dimension, { $0.tenant }, { $0.tenant = $1 }),
        .text("key_id", place: .dimension, { $0.keyID }, { $0.keyID = $1 }),
        .text("route", place: .dimension, { $0.route }, { $0.route = $1 }),
        .text("provider", place: .dimension, { $0.provider }, { $0.provider = $1 }),
        .text("model", place: .dimension, { $0.model }, { $0.model = $1 }),
        .text("region", place: .dimension, { $0.region }, { $0.region = $1 }),
        .text("dialect_in", place: .dimension, { $0.dialectIn }, { $0.dialectIn = $1 }),
        .text("dialect_out", place: .dimension, { $0.dialectOut }, { $0.dialectOut = $1 }),
        .text("operation", place: .dimension, standard: "chat", { $0.operation }, { $0.operation = $1 }),
        UsageField(
            "streamed", .boolean, get: { .boolean($0.streamed) },
            set: { record, value in record.streamed = value == .boolean(true) }),
        .integer("input_tokens", summed: true, { $0.inputTokens }, { $0.inputTokens = $1 }),
        .integer("cached_input_tokens", summed: true, { $0.cachedInputTokens }, { $0.cachedInputTokens = $1 }),
        .integer(
            "cache_write_5m_tokens", summed: true, standard: 0, addedAfterSeals: true, { $0.cacheWrite5mTokens },
            { $0.cacheWrite5mTokens = $1 }),
        .integer(
            "cache_write_1h_tokens", summed: true, standard: 0, addedAfterSeals: true, { $0.cacheWrite1hTokens },
            { $0.cacheWrite1hTokens = $1 }),
        .integer("output_tokens", summed: true, { $0.outputTokens }, { $0.outputTokens = $1 }),
        .integer(
            "reasoning_tokens", summed: true, standard: 0, addedAfterSeals: true, { $0.reasoningTokens }, { $0.reasoningTokens = $1 }),
        .integer("search_units", summed: true, standard: 0, { $0.searchUnits }, { $0.searchUnits = $1 }),
        .choice("usage_source", otherwise: UsageRecord.UsageSource.provider, { $0.usageSource }, { $0.usageSource = $1 }),
        .money("input_per_mtok", { $0.inputPerMillionNanos }, { $0.inputPerMillionNanos = $1 }),
        .money("cached_input_per_mtok", { $0.cachedInputPerMillionNanos }, { $0.cachedInputPerMillionNanos = $1 }),
        .money(
            "cache_write_5m_per_mtok", standard: 0, addedAfterSeals: true, { $0.cacheWrite5mPerMillionNanos },
            { $0.cacheWrite5mPerMillionNanos = $1 }),
        .money(
            "cache_write_1h_per_mtok", standard: 0, addedAfterSeals: true, { $0.cacheWrite1hPerMillionNanos },
            { $0.cacheWrite1hPerMillionNanos = $1 }),
        .money("output_per_mtok", { $0.outputPerMillionNanos }, { $0.outputPerMillionNanos = $1 }),
        .money("per_1k_searches", standard: 0, { $0.perThousandSearchesNanos }, { $0.perThousandSearchesNanos = $1 }),
        .text("price_tier", standard: "", addedAfterSeals: true, { $0.priceTier }, { $0.priceTier = $1 }),
        .text("currency", place: .dimension, { $0.currency }, { $0.currency = $1 }),
        .money("cost", { $0.costNanos }, { $0.costNanos = $1 }),
        .text("reporting_currency", place: .dimension, { $0.reportingCurrency }, { $0.reportingCurrency = $1 }),
        .optionalMoney("reporting_cost", { $0.reportingCostNanos }, { $0.reportingCostNanos = $1 }),
        .money(
            "cache_savings", summed: true, standard: 0, addedAfterSeals: true, { $0.cacheSavingsNanos }, { $0.cacheSavingsNanos = $1 }),
        .optionalInteger("ttft_ms", { $0.ttftMilliseconds }, { $0.ttftMilliseconds = $1 }),
        .integer("total_ms", { $0.totalMilliseconds }, { $0.totalMilliseconds = $1 }),
        .integer("status", { $0.status }, { $0.status = $1 }),
        .choice("outcome", otherwise: UsageRecord.Outcome.completed, { $0.outcome }, { $0.outcome = $1 }),
        .text("policy", place: .dimension, { $0.policy }, { $0.policy = $1 }),
        .integer("pii_masked", { $0.piiMasked }, { $0.piiMasked = $1 }),
    ]

    /// The fields kept once per combination (``UsageDimensions``), and those kept per attempt.
    public static let dimensionFields = fields.filter { $0.place == .dimension }
    public static let attemptFields = fields.filter { $0.place == .attempt }
    /// The fields spend reports add up, in order (``SpendRow/totals``).
    public static let summedFields = fields.filter(\.summed)

    /// A record whose every field is the zero of its kind, for readers to fill in field by field.
    static var blank: UsageRecord {
        UsageRecord(
            id: "", requestID: "", time: Date(timeIntervalSince1970: 0), tenant: "", keyID: "", route: "", provider: "", model: "",
            region: "", dialectIn: "", dialectOut: "", streamed: false, usage: TokenUsage(), usageSource: .provider,
            rates: MoneyRates(price: ModelPrice(inputPerMillion: 0, outputPerMillion: 0, currency: ""), fxRate: nil), currency: "",
            reportingCurrency: "", ttftMilliseconds: nil, totalMilliseconds: 0, status: 0, outcome: .completed, policy: "",
            piiMasked: 0)
    }

    /// A record read field by field (`value` answers each field's value, or nil when the source
    /// lacks it: the field's standard value then, or the zero of its kind).
    public init(reading value: (UsageField) throws -> UsageValue?) rethrows {
        self = Self.blank
        for field in Self.fields {
            field.set(&self, try value(field) ?? field.standard ?? .null)
        }
    }

    /// A record whose fields all differ from their zero — texts named after the field, numbers
    /// from `seed`, the optional ones null on odd seeds — for round-trip tests of every format.
    static func everyFieldSet(_ seed: Int) -> UsageRecord {
        UsageRecord { field in
            if field.optional, seed % 2 == 1 { return .null }
            let number = Int64(seed * 1_000 + (fields.firstIndex { $0.name == field.name } ?? 0))
            return switch field.kind {
            case .text: .text("\(field.name)-\(seed)")
            case .integer: .integer(number)
            case .money: .integer(number * 1_000_003)
            case .boolean: .boolean(seed % 2 == 0)
            case .time: .time(Date(timeIntervalSince1970: 1_764_460_800 + Double(seed)))
            }
        }
    }
}
