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
        let dimensions = records.map(UsageDimensions.init)
        let distinct = Set(dimensions)
        let ids = dimensionIDs.withLock { cache in
            Dictionary(uniqueKeysWithValues: distinct.compactMap { row in cache[row].map { (row, $0) } })
        }
        do {
            let missing = Array(distinct.filter { ids[$0] == nil })
            let added = try await client.withTransaction(logger: logger) { connection in
                let added = try await storeDimensions(missing, on: connection)
                try await storeAttempts(records, dimensionIDs: dimensions.map { ids[$0] ?? added[$0] }, on: connection)
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

    /// Upserts the dimension rows in `missing` (existing ones are kept); returns their ids.
    private func storeDimensions(_ missing: [UsageDimensions], on connection: PostgresConnection) async throws -> [UsageDimensions: Int64] {
        guard !missing.isEmpty else { return [:] }
        let columns = UsageDimensions.columns
        let texts = missing.map(\.texts)
        let byTexts = Dictionary(uniqueKeysWithValues: zip(texts, missing))
        var bindings = PostgresBindings()
        for index in columns.indices { bindings.append(texts.map { $0[index] }) }
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
            let stored = try (1...columns.count).map { try cells[$0].decode(String.self) }
            if let dimensions = byTexts[stored] { ids[dimensions] = try cells[0].decode(Int64.self) }
        }
        return ids
    }

    /// The value bound for a missing number (`NULLIF` turns it back into NULL).
    static let absent = Int64.min

    /// Inserts `records`, the n-th referring to the dimension row `dimensionIDs[n]`.
    private func storeAttempts(_ records: [UsageRecord], dimensionIDs: [Int64?], on connection: PostgresConnection) async throws {
        var bindings = PostgresBindings()
        bindings.append(records.map(\.id))
        bindings.append(records.map(\.requestID))
        bindings.append(records.map(\.time))
        bindings.append(
            try zip(records, dimensionIDs).map { record, id in
                guard let id else { throw PostgresLedgerError("no dimension row for usage record \(record.id)") }
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
        // The day totals follow in the database (trigger usage_attempts_daily_totals).
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
    }

    /// How PostgreSQL spells the shared queries; totals come back as text (a `numeric` sum of
    /// a very large ledger can outgrow `bigint`).
    static let sql = UsageRecordsSQL.Dialect(
        placeholder: { "$\($0)" }, day: "to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        month: "to_char(time AT TIME ZONE 'UTC', 'YYYY-MM')", sum: { "SUM(\($0))::text" })

    static func query(_ sql: String, _ values: [UsageRecordsSQL.Value]) -> PostgresQuery {
        var bindings = PostgresBindings()
        for value in values {
            switch value {
            case .time(let date): bindings.append(date)
            case .text(let text): bindings.append(text)
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    /// A report reads the day totals for the whole UTC days of its range — thousands of times
    /// fewer rows than records on a busy ledger — and the records only for the partial days at
    /// either end (a range from a time of day); the parts are added up per group.
    public func spend(_ query: SpendQuery) async throws -> [SpendRow] {
        let parts = Self.parts(of: query.filter)
        var report: [SpendRow] = []
        for (filter, source) in parts {
            var part = query
            part.filter = filter
            report += try await spend(part, from: source)
        }
        return parts.count == 1 ? report : SpendRow.merged(report)
    }

    /// `filter`'s range split into whole UTC days (day totals) and the partial days around them (records).
    static func parts(of filter: UsageFilter) -> [(UsageFilter, UsageRecordsSQL.SpendSource)] {
        let firstWholeDay = filter.since.map { Date(timeIntervalSince1970: ($0.timeIntervalSince1970 / 86_400).rounded(.up) * 86_400) }
        let endOfWholeDays = filter.until.map { Date(timeIntervalSince1970: ($0.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400) }
        if let firstWholeDay, let endOfWholeDays, firstWholeDay >= endOfWholeDays {
            return [(filter, .records)]  // within one day, or two partial ones
        }
        var parts: [(UsageFilter, UsageRecordsSQL.SpendSource)] = []
        var whole = filter
        whole.since = firstWholeDay
        whole.until = endOfWholeDays
        parts.append((whole, .dailyTotals))
        if let since = filter.since, let firstWholeDay, since < firstWholeDay {
            var head = filter
            head.until = firstWholeDay
            parts.append((head, .records))
        }
        if let until = filter.until, let endOfWholeDays, endOfWholeDays < until {
            var tail = filter
            tail.since = endOfWholeDays
            parts.append((tail, .records))
        }
        return parts
    }

    func spend(_ query: SpendQuery, from source: UsageRecordsSQL.SpendSource) async throws -> [SpendRow] {
        let (sql, values) = UsageRecordsSQL.spend(query, in: Self.sql, from: source)
        var report: [SpendRow] = []
        for try await row in try await client.query(Self.query(sql, values), logger: logger) {
            let cells = row.makeRandomAccess()
            func total(_ name: String) throws -> Int64 { Int64(try cells[name].decode(String.self)) ?? 0 }
            report.append(
                SpendRow(
                    groups: try query.groupBy.indices.map { try cells["g\($0)"].decode(String.self) },
                    requests: Int(try total("requests")), inputTokens: Int(try total("input_tokens")),
                    cachedInputTokens: Int(try total("cached_input_tokens")), outputTokens: Int(try total("output_tokens")),
                    cost: Money.amount(nanos: try total("cost_nanos")), currency: try cells["spend_currency"].decode(String.self)))
        }
        return report
    }

    public func usageRecords(_ filter: UsageFilter) async throws -> [UsageRecord] {
        let (sql, values) = UsageRecordsSQL.records(filter, in: Self.sql)
        var records: [UsageRecord] = []
        for try await row in try await client.query(Self.query(sql, values), logger: logger) {
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
            usage: TokenUsage(
                input: try int("input_tokens"), cachedInput: try int("cached_input_tokens"), output: try int("output_tokens")),
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
