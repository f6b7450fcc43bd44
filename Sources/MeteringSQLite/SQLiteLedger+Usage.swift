import Foundation
import GatewayModel
public import Metering
import SQLiteNIO

extension SQLiteLedger {
    /// The columns of the `usage_records` view: a whole record.
    static let usageColumns = [
        "id", "request_id", "time", "tenant", "key_id", "route", "provider", "model", "region", "dialect_in",
        "dialect_out", "streamed", "input_tokens", "cached_input_tokens", "output_tokens", "usage_source", "input_per_mtok_nanos",
        "cached_input_per_mtok_nanos", "output_per_mtok_nanos", "currency", "cost_nanos", "reporting_currency", "reporting_cost_nanos",
        "ttft_ms", "total_ms", "status", "outcome", "policy", "pii_masked",
    ]
    /// Inserts `records` in one transaction; a record whose id is already stored is skipped
    /// (replaying the journal twice stores nothing twice).
    public func insertUsage(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        let inserter = try inserter
        try await threadPool.runIfActive { try inserter.insert(records) }
    }

    /// `WHERE …` for `filter`, with its bindings.
    static func whereClause(_ filter: UsageFilter) -> (sql: String, bindings: [SQLiteData]) {
        var conditions: [String] = []
        var bindings: [SQLiteData] = []
        if let since = filter.since {
            conditions.append("time >= ?")
            bindings.append(.text(timestamp(since)))
        }
        if let until = filter.until {
            conditions.append("time < ?")
            bindings.append(.text(timestamp(until)))
        }
        if let tenant = filter.tenant {
            conditions.append("tenant = ?")
            bindings.append(.text(tenant))
        }
        if let keyID = filter.keyID {
            conditions.append("key_id = ?")
            bindings.append(.text(keyID))
        }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), bindings)
    }

    static func column(_ dimension: SpendDimension) -> String {
        switch dimension {
        case .tenant, .route, .provider, .model, .region: dimension.rawValue
        case .key: "key_id"
        case .day: "substr(time, 1, 10)"
        case .month: "substr(time, 1, 7)"
        }
    }

    public func spend(_ query: SpendQuery) async throws -> [SpendRow] {
        let groups = query.groupBy.map(Self.column)
        // Records whose price converts are totalled in the reporting currency; the others in their own.
        let currency = "CASE WHEN reporting_cost_nanos IS NULL THEN currency ELSE reporting_currency END"
        let selected = groups.enumerated().map { "\($0.element) AS g\($0.offset)" } + ["\(currency) AS spend_currency"]
        let (filter, bindings) = Self.whereClause(query.filter)
        let grouping = (groups.indices.map { "g\($0)" } + ["spend_currency"]).joined(separator: ", ")
        let sql = """
            SELECT \(selected.joined(separator: ", ")), COUNT(*) AS requests, SUM(input_tokens) AS input_tokens,
                SUM(cached_input_tokens) AS cached_input_tokens, SUM(output_tokens) AS output_tokens,
                SUM(COALESCE(reporting_cost_nanos, cost_nanos)) AS cost_nanos
            FROM usage_records \(filter)
            GROUP BY \(grouping) ORDER BY \(grouping)
            """
        return try await self.query(sql, bindings).map { row in
            SpendRow(
                groups: groups.indices.map { row.column("g\($0)")?.string ?? "" },
                requests: row.column("requests")?.integer ?? 0, inputTokens: row.column("input_tokens")?.integer ?? 0,
                cachedInputTokens: row.column("cached_input_tokens")?.integer ?? 0,
                outputTokens: row.column("output_tokens")?.integer ?? 0,
                cost: Money.amount(nanos: Int64(row.column("cost_nanos")?.integer ?? 0)),
                currency: row.column("spend_currency")?.string ?? "")
        }
    }

    public func usageRecords(_ filter: UsageFilter) async throws -> [UsageRecord] {
        let (clause, bindings) = Self.whereClause(filter)
        let rows = try await query(
            "SELECT \(Self.usageColumns.joined(separator: ", ")) FROM usage_records \(clause) ORDER BY time, id", bindings)
        return rows.compactMap(Self.record)
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
