import Metering
import SQLiteNIO

extension SQLiteLedger {
    /// Brings the usage tables and the `usage_records` view to the declaration of a record's
    /// fields (`UsageRecord.fields`), after the numbered migrations: a declared field the tables
    /// lack becomes a column (rows stored before hold its standard value), and the view lists
    /// every field; dimension rows are unique over every dimension field. Nothing is written when
    /// the schema already matches.
    func reconcileUsageSchema() async throws {
        var statements: [String] = []
        for (table, fields) in [("usage_dimensions", UsageRecord.dimensionFields), ("usage_attempts", UsageRecord.attemptFields)] {
            let existing = Set(try await query("PRAGMA table_info(\(table))").compactMap { $0.column("name")?.string })
            for field in fields where !existing.contains(field.column) {
                statements.append("ALTER TABLE \(table) ADD COLUMN \(field.column) \(Self.columnType(field))")
            }
        }
        // Dimension rows are unique over every dimension field.
        let identity = try await query("PRAGMA index_info(usage_dimensions_identity)").compactMap { $0.column("name")?.string }
        if identity != UsageDimensions.columns {
            statements += ["DROP INDEX IF EXISTS usage_dimensions_identity", UsageRecordsSQL.createIdentityIndex]
        }
        // The day totals: a column per summed field and count, and the view reports read them
        // through. The usage inserter adds each batch in (`addDailyTotals`); ledgers of versions
        // before it did so by a trigger per record, dropped here.
        let daily = Set(try await query("PRAGMA table_info(usage_daily)").compactMap { $0.column("name")?.string })
        for column in Self.dailyColumns where !daily.contains(column) {
            statements.append("ALTER TABLE usage_daily ADD COLUMN \(column) INTEGER NOT NULL DEFAULT 0")
        }
        let trigger = try await query("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name = 'usage_daily_totals'")
        if !trigger.isEmpty { statements.append("DROP TRIGGER usage_daily_totals") }
        // Every insert adds its records in the same transaction, and nothing removes either, so
        // records without any totals mean the totals were just made: they are added up once.
        let unfilled = try await query(
            "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM usage_daily) AND EXISTS (SELECT 1 FROM usage_attempts)")
        if !unfilled.isEmpty { statements.append(Self.addDailyTotals(where: "true")) }
        let views = [("usage_records", UsageRecordsSQL.createRecordsView), ("usage_daily_records", Self.dailyRecordsView)]
        var current: [String: String] = [:]
        for row in try await query("SELECT name, sql FROM sqlite_master WHERE type = 'view'") {
            if let name = row.column("name")?.string { current[name] = row.column("sql")?.string }
        }
        if statements.isEmpty, views.allSatisfy({ current[$0.0] == $0.1 }) { return }
        try await transaction {
            for statement in statements { _ = try await query(statement) }
            for (name, view) in views {
                _ = try await query("DROP VIEW IF EXISTS \(name)")
                _ = try await query(view)
            }
        }
    }

    /// The day totals' columns beyond their key and `requests`/`cost_nanos`.
    static var dailyColumns: [String] { UsageRecord.summedFields.map(\.column) + UsageRecordsSQL.counts.map(\.column) }

    /// Adds the records `condition` selects to their days' totals: those of one insert (the
    /// inserter, per batch, as PostgreSQL's statement trigger does), or all of them once, when
    /// the day totals begin.
    static func addDailyTotals(where condition: String) -> String {
        """
        INSERT INTO usage_daily (day, dimensions, converted, requests, \(dailyColumns.joined(separator: ", ")), cost_nanos)
        SELECT substr(time, 1, 10), dimensions, reporting_cost_nanos IS NOT NULL, COUNT(*),
            \(UsageRecord.summedFields.map { "SUM(\($0.column))" }.joined(separator: ", ")),
            \(UsageRecordsSQL.counts.map { "SUM(CASE WHEN \($0.condition) THEN 1 ELSE 0 END)" }.joined(separator: ", ")),
            SUM(COALESCE(reporting_cost_nanos, cost_nanos))
        FROM usage_attempts WHERE \(condition) GROUP BY 1, 2, 3
        ON CONFLICT (day, dimensions, converted) DO UPDATE SET requests = requests + excluded.requests,
            \(dailyColumns.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", ")), cost_nanos = cost_nanos + excluded.cost_nanos
        """
    }

    /// The day totals as spend reports read them (the same columns as PostgreSQL's view).
    static var dailyRecordsView: String {
        """
        CREATE VIEW usage_daily_records AS
        SELECT u.day || 'T00:00:00Z' AS time, u.day AS day, substr(u.day, 1, 7) AS month,
            \(UsageDimensions.columns.map { "d." + $0 }.joined(separator: ", ")),
            CASE WHEN u.converted THEN d.reporting_currency ELSE d.currency END AS spend_currency, u.requests,
            \(dailyColumns.map { "u." + $0 }.joined(separator: ", ")), u.cost_nanos
        FROM usage_daily u JOIN usage_dimensions d ON d.id = u.dimensions
        """
    }

    /// A field's column as SQLite declares it.
    static func columnType(_ field: UsageField) -> String {
        let type =
            switch field.kind {
            case .text, .time: "TEXT"
            case .integer, .money, .boolean: "INTEGER"
            }
        return UsageRecordsSQL.columnDeclaration(field, type: type)
    }
}
