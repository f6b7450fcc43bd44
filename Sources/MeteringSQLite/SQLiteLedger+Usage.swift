import Foundation
import GatewayModel
public import Metering
import SQLiteNIO

extension SQLiteLedger {
    /// Inserts `records` in one transaction; a record whose id is already stored is skipped
    /// (replaying the journal twice stores nothing twice).
    public func insertUsage(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        let inserter = try inserter
        try await threadPool.runIfActive { try inserter.insert(records) }
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

    public func spend(_ query: SpendQuery) async throws -> [SpendRow] {
        let (sql, values) = UsageRecordsSQL.spend(query, in: Self.sql)
        return try await self.query(sql, Self.bindings(values)).map { row in
            SpendRow(
                groups: query.groupBy.indices.map { row.column("g\($0)")?.string ?? "" },
                requests: row.column("requests")?.integer ?? 0, inputTokens: row.column("input_tokens")?.integer ?? 0,
                cachedInputTokens: row.column("cached_input_tokens")?.integer ?? 0,
                outputTokens: row.column("output_tokens")?.integer ?? 0,
                cost: Money.amount(nanos: Int64(row.column("cost_nanos")?.integer ?? 0)),
                currency: row.column("spend_currency")?.string ?? "")
        }
    }

    public func usageRecords(_ filter: UsageFilter) async throws -> [UsageRecord] {
        let (sql, values) = UsageRecordsSQL.records(filter, in: Self.sql)
        return try await query(sql, Self.bindings(values)).compactMap(Self.record)
    }

    static func record(_ row: SQLiteRow) -> UsageRecord? {
        func text(_ name: String) -> String { row.column(name)?.string ?? "" }
        func int(_ name: String) -> Int { row.column(name)?.integer ?? 0 }
        func money(_ name: String) -> Decimal { Money.amount(nanos: Int64(int(name))) }
        guard let time = date(from: text("time")) else { return nil }
        let price = ModelPrice(
            inputPerMillion: money("input_per_mtok_nanos"), outputPerMillion: money("output_per_mtok_nanos"),
            cachedInputPerMillion: money("cached_input_per_mtok_nanos"), currency: text("currency"))
        var record = UsageRecord(
            id: text("id"), requestID: text("request_id"), time: time, tenant: text("tenant"), keyID: text("key_id"),
            route: text("route"), provider: text("provider"), model: text("model"), region: text("region"),
            dialectIn: text("dialect_in"), dialectOut: text("dialect_out"), streamed: int("streamed") == 1,
            usage: TokenUsage(input: int("input_tokens"), cachedInput: int("cached_input_tokens"), output: int("output_tokens")),
            usageSource: UsageRecord.UsageSource(rawValue: text("usage_source")) ?? .provider, price: price,
            reportingCurrency: text("reporting_currency"), fxRate: nil,
            ttftMilliseconds: row.column("ttft_ms")?.integer, totalMilliseconds: int("total_ms"), status: int("status"),
            outcome: UsageRecord.Outcome(rawValue: text("outcome")) ?? .completed, policy: text("policy"),
            piiMasked: int("pii_masked"))
        // As stored, not recomputed: the ledger is the record.
        record.costNanos = Int64(int("cost_nanos"))
        record.reportingCostNanos = row.column("reporting_cost_nanos")?.integer.map { Int64($0) }
        return record
    }
}
