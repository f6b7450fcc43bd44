import Foundation
import GatewayModel
public import Metering
import SQLiteNIO

extension SQLiteLedger {
    /// Inserts `records` in one transaction; a record whose id is already stored is skipped
    /// (replaying the journal twice stores nothing twice). Unless far behind, the insert offers
    /// its core to requests between records (``UsageInserter``).
    public func insertUsage(_ records: [UsageRecord], pace: UsagePace) async throws {
        guard !records.isEmpty else { return }
        let inserter = try inserter
        try await threadPool.runIfActive { try inserter.insert(records, pace: pace) }
    }

    /// How SQLite spells the shared queries (times are stored as sortable text).
    static let sql = UsageRecordsSQL.Dialect(placeholder: { _ in "?" }, day: "substr(time, 1, 10)", month: "substr(time, 1, 7)")

    static func bindings(_ values: [UsageRecordsSQL.Value]) -> [SQLiteData] {
        values.map { value in
            switch value {
            case .time(let date): .text(timestamp(date))
            case .text(let text): .text(text)
            }
        }
    }

    /// A report reads the day totals for the whole UTC days of its range and the records only for
    /// the partial days at either end (as PostgreSQL does); the parts are added up per group.
    public func spend(_ query: SpendQuery) async throws -> [SpendRow] {
        let parts = UsageRecordsSQL.spendParts(of: query.filter)
        var report: [SpendRow] = []
        for (filter, source) in parts {
            var part = query
            part.filter = filter
            let (sql, values) = UsageRecordsSQL.spend(part, in: Self.sql, from: source)
            report += try await self.query(sql, Self.bindings(values)).map { row in
                SpendRow(
                    groups: query.groupBy.indices.map { row.column("g\($0)")?.string ?? "" },
                    requests: row.column("requests")?.integer ?? 0,
                    totals: UsageRecord.summedFields.map { row.column($0.column)?.integer ?? 0 },
                    cost: Money.amount(nanos: Int64(row.column("cost_nanos")?.integer ?? 0)),
                    currency: row.column("spend_currency")?.string ?? "",
                    counts: UsageRecordsSQL.counts.map { row.column($0.column)?.integer ?? 0 })
            }
        }
        return parts.count == 1 ? report : SpendRow.merged(report)
    }

    public func usageRecords(_ filter: UsageFilter) async throws -> [UsageRecord] {
        let (sql, values) = UsageRecordsSQL.records(filter, in: Self.sql)
        return try await query(sql, Self.bindings(values)).compactMap(Self.record)
    }

    public func latestUsageRecords(_ filter: UsageFilter, before cursor: UsageCursor?, limit: Int) async throws -> [UsageRecord] {
        var dimensions: [Int64]?
        if let (sql, values) = UsageRecordsSQL.dimensionIDs(filter, in: Self.sql) {
            let ids = try await query(sql, Self.bindings(values)).compactMap { $0.column("id")?.integer.map(Int64.init) }
            if ids.count <= UsageRecordsSQL.mergedDimensionsLimit { dimensions = ids }
        }
        let (sql, values) = UsageRecordsSQL.latest(filter, before: cursor, limit: limit, dimensions: dimensions, in: Self.sql)
        return try await query(sql, Self.bindings(values)).compactMap(Self.record)
    }

    /// A record as stored: every field from its column (money and cost as they were written,
    /// not recomputed — the ledger is the record).
    static func record(_ row: SQLiteRow) -> UsageRecord? {
        var malformed = false
        let record = UsageRecord { field -> UsageValue? in
            guard let cell = row.column(field.column) else { return nil }
            if cell == .null { return .null }
            switch field.kind {
            case .text: return cell.string.map(UsageValue.text)
            case .integer, .money: return cell.integer.map { .integer(Int64($0)) }
            case .boolean: return .boolean(cell.integer == 1)
            case .time:
                guard let time = cell.string.flatMap(date(from:)) else {
                    malformed = true
                    return nil
                }
                return .time(time)
            }
        }
        return malformed ? nil : record
    }
}
