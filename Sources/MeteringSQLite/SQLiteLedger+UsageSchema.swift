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
        let view = UsageRecordsSQL.createRecordsView
        let current = try await query("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = 'usage_records'")
        if statements.isEmpty, current.first?.column("sql")?.string == view { return }
        try await transaction {
            for statement in statements { _ = try await query(statement) }
            _ = try await query("DROP VIEW IF EXISTS usage_records")
            _ = try await query(view)
        }
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
