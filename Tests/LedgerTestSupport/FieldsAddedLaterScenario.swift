import Foundation
import Metering

/// A ledger written before this version's fields existed (cache writes, reasoning, the price
/// band, cache savings) keeps every record and every day total through the upgrade: the records
/// read back with those fields at their standard values, and spend — whole days from the day
/// totals, part days from the records — adds up as before.
public enum FieldsAddedLaterScenario {
    /// The fields a ledger of the version before lacked.
    public static let laterFields = UsageRecord.fields.filter(\.addedAfterSeals)

    /// `record` as the version before wrote it (and as a ledger reads it back): the later fields
    /// at their standard values.
    public static func asWrittenBefore(_ record: UsageRecord) -> UsageRecord {
        UsageRecord { field in field.addedAfterSeals ? nil : field.value(of: record) }
    }

    /// Stores records through `ledger`, reads spend, calls `downgrade` (which takes the later
    /// fields' columns out of the tables, the day totals and the views, as the older version left
    /// them), then `upgrade` (opens and migrates the ledger again). What was stored and reported,
    /// and what is after.
    public static func run(
        on ledger: any Ledger, make: (String, String) -> UsageRecord, downgrade: () async throws -> Void,
        upgrade: () async throws -> any Ledger
    ) async throws -> (before: ([UsageRecord], [SpendRow]), after: ([UsageRecord], [SpendRow])) {
        let records = (0..<30).map { n -> UsageRecord in
            var made = make("old-\(n)", ["bank", "clinic"][n % 2])
            made.time = Date(timeIntervalSince1970: 1_790_000_000 + Double(n * 7_200))  // across several days
            return asWrittenBefore(made)
        }
        try await ledger.insertUsage(records)
        let query = SpendQuery(
            groupBy: [.tenant, .day], filter: UsageFilter(since: Date(timeIntervalSince1970: 1_790_010_000)))
        let before = (try await ledger.usageRecords(UsageFilter()), try await ledger.spend(query))
        try await downgrade()
        let upgraded = try await upgrade()
        return (before, (try await upgraded.usageRecords(UsageFilter()), try await upgraded.spend(query)))
    }
}
