import Metering

/// The who-and-where of a usage record: the eleven text fields that repeat across thousands of
/// records (tenant, key, route, provider, model…). Stored once in `usage_dimensions` and referenced
/// by id from `usage_attempts`, they don't make every insert bind, copy and index them again —
/// which roughly halves what a record costs the ledger to write.
struct UsageDimensions: Hashable, Sendable {
    var tenant: String
    var keyID: String
    var route: String
    var provider: String
    var model: String
    var region: String
    var dialectIn: String
    var dialectOut: String
    var currency: String
    var reportingCurrency: String
    var policy: String

    init(_ record: UsageRecord) {
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
    func describe(_ record: UsageRecord) -> Bool {
        tenant == record.tenant && keyID == record.keyID && route == record.route && provider == record.provider
            && model == record.model && region == record.region && dialectIn == record.dialectIn
            && dialectOut == record.dialectOut && currency == record.currency
            && reportingCurrency == record.reportingCurrency && policy == record.policy
    }

    static let columns = [
        "tenant", "key_id", "route", "provider", "model", "region", "dialect_in", "dialect_out", "currency",
        "reporting_currency", "policy",
    ]

    /// The values of ``columns``, in order.
    var texts: [String] {
        [tenant, keyID, route, provider, model, region, dialectIn, dialectOut, currency, reportingCurrency, policy]
    }

    /// Inserts the row if it's new and returns its id either way (a no-op update makes
    /// `RETURNING` answer for an existing row too).
    static let upsert = """
        INSERT INTO usage_dimensions (\(columns.joined(separator: ", ")))
        VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
        ON CONFLICT (\(columns.joined(separator: ", "))) DO UPDATE SET tenant = excluded.tenant
        RETURNING id
        """
}
