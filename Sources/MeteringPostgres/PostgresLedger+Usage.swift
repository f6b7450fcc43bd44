import Foundation
import GatewayModel
public import Metering
import PostgresNIO
import Synchronization

extension PostgresLedger {
    /// Inserts `records` in one transaction, as two statements whatever their number: the new
    /// dimension rows, then every attempt, each column bound as one array (`unnest`). A record
    /// whose id is already stored is skipped (a journal replayed twice stores nothing twice).
    public func insertUsage(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        do {
            let added = try await client.withTransaction(logger: logger) { connection in
                var known = dimensionIDs.withLock { $0 }
                let added = try await storeDimensions(of: records, known: known, on: connection)
                known.merge(added) { _, new in new }
                try await storeAttempts(records, dimensionIDs: known, on: connection)
                return added
            }
            // Only once committed: ids from a rolled-back transaction don't exist.
            dimensionIDs.withLock { cache in
                if cache.count + added.count > 100_000 { cache.removeAll() }
                cache.merge(added) { _, new in new }
            }
        } catch {
            throw PostgresLedgerError("the ledger database refused usage records: \(Self.reason(error))")
        }
    }

    /// Upserts the dimension rows `records` use that `known` lacks; returns their ids.
    private func storeDimensions(
        of records: [UsageRecord], known: [UsageDimensions: Int64], on connection: PostgresConnection
    ) async throws -> [UsageDimensions: Int64] {
        var missing: [UsageDimensions] = []
        var seen = Set<UsageDimensions>()
        for record in records {
            let dimensions = UsageDimensions(record)
            if known[dimensions] == nil, seen.insert(dimensions).inserted { missing.append(dimensions) }
        }
        guard !missing.isEmpty else { return [:] }
        let columns = UsageDimensions.columns
        var bindings = PostgresBindings()
        for index in columns.indices { bindings.append(missing.map { $0.texts[index] }) }
        let sql = """
            INSERT INTO usage_dimensions (\(columns.joined(separator: ", ")))
            SELECT * FROM unnest(\(columns.indices.map { "$\($0 + 1)::text[]" }.joined(separator: ", ")))
            ON CONFLICT (\(columns.joined(separator: ", "))) DO UPDATE SET tenant = excluded.tenant
            RETURNING id, \(columns.joined(separator: ", "))
            """
        var ids: [UsageDimensions: Int64] = [:]
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        for try await row in rows {
            let cells = row.makeRandomAccess()
            let id = try cells[0].decode(Int64.self)
            let texts = try (1...columns.count).map { try cells[$0].decode(String.self) }
            for dimensions in missing where dimensions.texts == texts { ids[dimensions] = id }
        }
        return ids
    }

    /// The value bound for a missing number (`NULLIF` turns it back into NULL).
    static let absent = Int64.min

    private func storeAttempts(_ records: [UsageRecord], dimensionIDs: [UsageDimensions: Int64], on connection: PostgresConnection) async throws {
        var bindings = PostgresBindings()
        bindings.append(records.map(\.id))
        bindings.append(records.map(\.requestID))
        bindings.append(records.map(\.time))
        bindings.append(try records.map { record in
            guard let id = dimensionIDs[UsageDimensions(record)] else {
                throw PostgresLedgerError("no dimension row for usage record \(record.id)")
            }
            return id
        })
        bindings.append(records.map(\.streamed))
        bindings.append(records.map { Int64($0.inputTokens) })
        bindings.append(records.map { Int64($0.cachedInputTokens) })
        bindings.append(records.map { Int64($0.outputTokens) })
        bindings.append(records.map(\.usageSource.rawValue))
        bindings.append(records.map(\.inputPerMillionNanos))
        bindings.append(records.map(\.cachedInputPerMillionNanos))
        bindings.append(records.map(\.outputPerMillionNanos))
        bindings.append(records.map(\.costNanos))
        bindings.append(records.map { $0.reportingCostNanos ?? Self.absent })
        bindings.append(records.map { $0.ttftMilliseconds.map(Int64.init) ?? Self.absent })
        bindings.append(records.map { Int64($0.totalMilliseconds) })
        bindings.append(records.map { Int64($0.status) })
        bindings.append(records.map(\.outcome.rawValue))
        bindings.append(records.map { Int64($0.piiMasked) })
        let sql = """
            INSERT INTO usage_attempts (id, request_id, time, dimensions, streamed, input_tokens, cached_input_tokens,
                output_tokens, usage_source, input_per_mtok_nanos, cached_input_per_mtok_nanos, output_per_mtok_nanos,
                cost_nanos, reporting_cost_nanos, ttft_ms, total_ms, status, outcome, pii_masked)
            SELECT id, request_id, time, dimensions, streamed, input_tokens, cached_input_tokens, output_tokens, usage_source,
                input_per_mtok_nanos, cached_input_per_mtok_nanos, output_per_mtok_nanos, cost_nanos,
                NULLIF(reporting_cost_nanos, \(Self.absent)), NULLIF(ttft_ms, \(Self.absent)), total_ms, status, outcome, pii_masked
            FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[], $5::boolean[], $6::bigint[], $7::bigint[],
                $8::bigint[], $9::text[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[],
                $15::bigint[], $16::bigint[], $17::bigint[], $18::text[], $19::bigint[])
                AS r (id, request_id, time, dimensions, streamed, input_tokens, cached_input_tokens, output_tokens,
                    usage_source, input_per_mtok_nanos, cached_input_per_mtok_nanos, output_per_mtok_nanos, cost_nanos,
                    reporting_cost_nanos, ttft_ms, total_ms, status, outcome, pii_masked)
            ON CONFLICT (id) DO NOTHING
            """
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
    }

    /// `WHERE …` for `filter`, its values appended to `bindings`.
    static func whereClause(_ filter: UsageFilter, bindings: inout PostgresBindings) -> String {
        var conditions: [String] = []
        func condition(_ sql: String, _ value: some PostgresDynamicTypeEncodable) {
            bindings.append(value)
            conditions.append(sql.replacingOccurrences(of: "?", with: "$\(bindings.count)"))
        }
        if let since = filter.since { condition("time >= ?", since) }
        if let until = filter.until { condition("time < ?", until) }
        if let tenant = filter.tenant { condition("tenant = ?", tenant) }
        if let keyID = filter.keyID { condition("key_id = ?", keyID) }
        return conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }

    static func column(_ dimension: SpendDimension) -> String {
        switch dimension {
        case .tenant, .route, .provider, .model, .region: dimension.rawValue
        case .key: "key_id"
        case .day: "to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        case .month: "to_char(time AT TIME ZONE 'UTC', 'YYYY-MM')"
        }
    }

    public func spend(_ query: SpendQuery) async throws -> [SpendRow] {
        let groups = query.groupBy.map(Self.column)
        // Records whose price converts are totalled in the reporting currency; the others in their own.
        let currency = "CASE WHEN reporting_cost_nanos IS NULL THEN currency ELSE reporting_currency END"
        let selected = groups.enumerated().map { "\($0.element) AS g\($0.offset)" } + ["\(currency) AS spend_currency"]
        var bindings = PostgresBindings()
        let filter = Self.whereClause(query.filter, bindings: &bindings)
        let grouping = (groups.indices.map { "g\($0)" } + ["spend_currency"]).joined(separator: ", ")
        // Sums as numeric (exact), read back as text: no bigint overflow on a very large ledger.
        let sql = """
            SELECT \(selected.joined(separator: ", ")), COUNT(*)::bigint AS requests, SUM(input_tokens)::text AS input_tokens,
                SUM(cached_input_tokens)::text AS cached_input_tokens, SUM(output_tokens)::text AS output_tokens,
                SUM(COALESCE(reporting_cost_nanos, cost_nanos))::text AS cost_nanos
            FROM usage_records \(filter)
            GROUP BY \(grouping) ORDER BY \(grouping)
            """
        var report: [SpendRow] = []
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
            let cells = row.makeRandomAccess()
            func count(_ name: String) throws -> Int { Int(try cells[name].decode(String.self)) ?? 0 }
            report.append(
                SpendRow(
                    groups: try groups.indices.map { try cells["g\($0)"].decode(String.self) },
                    requests: try cells["requests"].decode(Int.self), inputTokens: try count("input_tokens"),
                    cachedInputTokens: try count("cached_input_tokens"), outputTokens: try count("output_tokens"),
                    cost: Money.amount(nanos: Int64(try cells["cost_nanos"].decode(String.self)) ?? 0),
                    currency: try cells["spend_currency"].decode(String.self)))
        }
        return report
    }

    public func usageRecords(_ filter: UsageFilter) async throws -> [UsageRecord] {
        var bindings = PostgresBindings()
        let clause = Self.whereClause(filter, bindings: &bindings)
        let sql = """
            SELECT id, request_id, time, tenant, key_id, route, provider, model, region, dialect_in, dialect_out, streamed,
                input_tokens, cached_input_tokens, output_tokens, usage_source, input_per_mtok_nanos, cached_input_per_mtok_nanos,
                output_per_mtok_nanos, currency, cost_nanos, reporting_currency, reporting_cost_nanos, ttft_ms, total_ms, status,
                outcome, policy, pii_masked
            FROM usage_records \(clause) ORDER BY time, id
            """
        var records: [UsageRecord] = []
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
            records.append(try Self.record(row.makeRandomAccess()))
        }
        return records
    }

    static func record(_ cells: PostgresRandomAccessRow) throws -> UsageRecord {
        func text(_ name: String) throws -> String { try cells[name].decode(String.self) }
        func int(_ name: String) throws -> Int { try cells[name].decode(Int.self) }
        func nanos(_ name: String) throws -> Int64 { try cells[name].decode(Int64.self) }
        let price = ModelPrice(
            inputPerMillion: Money.amount(nanos: try nanos("input_per_mtok_nanos")),
            outputPerMillion: Money.amount(nanos: try nanos("output_per_mtok_nanos")),
            cachedInputPerMillion: Money.amount(nanos: try nanos("cached_input_per_mtok_nanos")), currency: try text("currency"))
        var record = UsageRecord(
            id: try text("id"), requestID: try text("request_id"), time: try cells["time"].decode(Date.self),
            tenant: try text("tenant"), keyID: try text("key_id"), route: try text("route"), provider: try text("provider"),
            model: try text("model"), region: try text("region"), dialectIn: try text("dialect_in"),
            dialectOut: try text("dialect_out"), streamed: try cells["streamed"].decode(Bool.self),
            usage: TokenUsage(input: try int("input_tokens"), cachedInput: try int("cached_input_tokens"), output: try int("output_tokens")),
            usageSource: UsageRecord.UsageSource(rawValue: try text("usage_source")) ?? .provider, price: price,
            reportingCurrency: try text("reporting_currency"), fxRate: nil,
            ttftMilliseconds: try cells["ttft_ms"].decode(Int?.self), totalMilliseconds: try int("total_ms"),
            status: try int("status"), outcome: UsageRecord.Outcome(rawValue: try text("outcome")) ?? .completed,
            policy: try text("policy"), piiMasked: try int("pii_masked"))
        // As stored, not recomputed: the ledger is the record.
        record.costNanos = try nanos("cost_nanos")
        record.reportingCostNanos = try cells["reporting_cost_nanos"].decode(Int64?.self)
        return record
    }
}
