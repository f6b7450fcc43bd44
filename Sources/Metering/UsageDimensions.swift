/// The who-and-where of a usage record: the eleven text fields that repeat across thousands of
/// records (tenant, key, route, provider, model…). Stored once in `usage_dimensions` and referenced
/// by id from `usage_attempts`, they don't make every insert bind, copy and index them again —
/// which roughly halves what a record costs the ledger to write.
public struct UsageDimensions: Hashable, Sendable {
    public var tenant: String
    public var keyID: String
    public var route: String
    public var provider: String
    public var model: String
    public var region: String
    public var dialectIn: String
    public var dialectOut: String
    public var currency: String
    public var reportingCurrency: String
    public var policy: String

    public init(_ record: UsageRecord) {
        tenant = record.tenant
        keyID = record.keyID
        route = record.route
        provider = record.provider
        model = record.model
        region = record.region
        dialectIn = record.dialectIn
        dialectOut = record.dialectOut
        currency = record.currency
        reportingCurrency = record.reportingCurrency
        policy = record.policy
    }

    /// Whether these are `record`'s dimensions (without copying them out of it).
    public func describe(_ record: UsageRecord) -> Bool {
        tenant == record.tenant && keyID == record.keyID && route == record.route && provider == record.provider
            && model == record.model && region == record.region && dialectIn == record.dialectIn
            && dialectOut == record.dialectOut && currency == record.currency
            && reportingCurrency == record.reportingCurrency && policy == record.policy
    }

    public static let columns = [
        "tenant", "key_id", "route", "provider", "model", "region", "dialect_in", "dialect_out", "currency",
        "reporting_currency", "policy",
    ]

    /// The values of ``columns``, in order.
    public var texts: [String] {
        [tenant, keyID, route, provider, model, region, dialectIn, dialectOut, currency, reportingCurrency, policy]
    }
}
