import Foundation
import GatewayModel
public import Metering
import PostgresNIO
import Synchronization

extension PostgresLedger {
    /// Inserts `records` in one transaction, as two statements whatever their number: the new
    /// dimension rows, then every attempt, each column bound as one array (`unnest`). A record
    /// whose id is already stored is skipped (a journal replayed twice stores nothing twice).
    /// `pace` changes nothing: the work is the database server's, not the gateway's cores.
    public func insertUsage(_ records: [UsageRecord], pace: UsagePace) async throws {
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

    /// Inserts `records`, the n-th referring to the dimension row `dimensionIDs[n]`: each attempt
    /// field bound as one array (a missing number as ``absent``, which `NULLIF` turns back into NULL).
    private func storeAttempts(_ records: [UsageRecord], dimensionIDs: [Int64?], on connection: PostgresConnection) async throws {
        var bindings = PostgresBindings()
        var selected: [String] = []
        var arrays: [String] = []
        for field in UsageRecord.attemptFields {
            let values = records.map { field.value(of: $0) }
            switch field.kind {
            case .text: bindings.append(values.map { $0.text ?? "" })
            case .integer, .money: bindings.append(values.map { $0.integer ?? Self.absent })
            case .boolean: bindings.append(values.map { $0 == .boolean(true) })
            case .time: bindings.append(values.map { if case .time(let time) = $0 { time } else { Date(timeIntervalSince1970: 0) } })
            }
            arrays.append("$\(arrays.count + 1)::\(Self.columnType(field.kind))[]")
            selected.append(field.optional ? "NULLIF(\(field.column), \(Self.absent))" : field.column)
        }
        bindings.append(
            try zip(records, dimensionIDs).map { record, id in
                guard let id else { throw PostgresLedgerError("no dimension row for usage record \(record.id)") }
                return id
            })
        arrays.append("$\(arrays.count + 1)::bigint[]")
        let columns = UsageRecord.attemptFields.map(\.column) + ["dimensions"]
        let sql = """
            INSERT INTO usage_attempts (\(columns.joined(separator: ", ")))
            SELECT \((selected + ["dimensions"]).joined(separator: ", "))
            FROM unnest(\(arrays.joined(separator: ", "))) AS r (\(columns.joined(separator: ", ")))
            ON CONFLICT (id) DO NOTHING
            """
        // The day totals follow in the database (trigger usage_attempts_daily_totals).
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
    }

    /// A field kind's PostgreSQL type.
    static func columnType(_ kind: UsageField.Kind) -> String {
        switch kind {
        case .text: "text"
        case .integer, .money: "bigint"
        case .boolean: "boolean"
        case .time: "timestamptz"
        }
    }

    /// How PostgreSQL spells the shared queries; totals come back as text (a `numeric` sum of
    /// a very large ledger can outgrow `bigint`).
    static let sql = UsageRecordsSQL.Dialect(
        placeholder: { "$\($0)" }, day: "to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        month: "to_char(time AT TIME ZONE 'UTC', 'YYYY-MM')", sum: { "SUM(\($0))::text" }, byteOrder: { "\($0) COLLATE \"C\"" })

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
        let parts = UsageRecordsSQL.spendParts(of: query.filter)
        var report: [SpendRow] = []
        for (filter, source) in parts {
            var part = query
            part.filter = filter
            report += try await spend(part, from: source)
        }
        return parts.count == 1 ? report : SpendRow.merged(report)
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
                    requests: Int(clamping: try total("requests")),
                    totals: try UsageRecord.summedFields.map { Int(clamping: try total($0.column)) },
                    cost: Money.amount(nanos: try total("cost_nanos")), currency: try cells["spend_currency"].decode(String.self),
                    counts: try UsageRecordsSQL.counts.map { Int(clamping: try total($0.column)) }))
        }
        return report
    }

    public func usageRecords(_ filter: UsageFilter) async throws -> [UsageRecord] {
        try await records(UsageRecordsSQL.records(filter, in: Self.sql))
    }

    public func latestUsageRecords(_ filter: UsageFilter, before cursor: UsageCursor?, limit: Int) async throws -> [UsageRecord] {
        var dimensions: [Int64]?
        if let (sql, values) = UsageRecordsSQL.dimensionIDs(filter, in: Self.sql) {
            var ids: [Int64] = []
            for try await id in try await client.query(Self.query(sql, values), logger: logger).decode(Int64.self) { ids.append(id) }
            if ids.count <= UsageRecordsSQL.mergedDimensionsLimit { dimensions = ids }
        }
        return try await records(UsageRecordsSQL.latest(filter, before: cursor, limit: limit, dimensions: dimensions, in: Self.sql))
    }

    private func records(_ query: (sql: String, values: [UsageRecordsSQL.Value])) async throws -> [UsageRecord] {
        let (sql, values) = query
        var records: [UsageRecord] = []
        for try await row in try await client.query(Self.query(sql, values), logger: logger) {
            records.append(try Self.record(row.makeRandomAccess()))
        }
        return records
    }

    /// A record as stored: every field from its column (money and cost as they were written,
    /// not recomputed — the ledger is the record).
    static func record(_ cells: PostgresRandomAccessRow) throws -> UsageRecord {
        try UsageRecord { field throws -> UsageValue? in
            let cell = cells[field.column]
            switch field.kind {
            case .text: return try cell.decode(String?.self).map(UsageValue.text) ?? .null
            case .integer, .money: return try cell.decode(Int64?.self).map(UsageValue.integer) ?? .null
            case .boolean: return try cell.decode(Bool?.self).map(UsageValue.boolean) ?? .null
            case .time: return try cell.decode(Date?.self).map(UsageValue.time) ?? .null
            }
        }
    }
}
