/// The who-and-where of a usage record: its text fields that repeat across thousands of records
/// (tenant, key, route, provider, model…: the `.dimension` fields of `UsageRecord.fields`).
/// Stored once in `usage_dimensions` and referenced by id from `usage_attempts`, they don't make
/// every insert bind, copy and index them again — which roughly halves what a record costs the
/// ledger to write.
public struct UsageDimensions: Hashable, Sendable {
    /// The values of ``columns``, in order.
    public var texts: [String]

    public init(_ record: UsageRecord) {
        texts = UsageRecord.dimensionFields.map { $0.get(record).text ?? "" }
    }

    /// Whether these are `record`'s dimensions.
    public func describe(_ record: UsageRecord) -> Bool {
        for (field, text) in zip(UsageRecord.dimensionFields, texts) where field.get(record).text != text { return false }
        return true
    }

    /// The dimension fields' columns (every one is text).
    public static let columns = UsageRecord.dimensionFields.map(\.column)
}
