import Metering
import PostgresNIO

extension PostgresLedger {
    /// Brings the usage tables and the `usage_records` view to the declaration of a record's
    /// fields (`UsageRecord.fields`), after the numbered migrations and under their lock: a
    /// declared field the tables lack becomes a column (rows stored before hold its standard
    /// value), and the view lists every field. Nothing changes when the schema already matches.
    func reconcileUsageSchema() async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
            func columns(of table: String) async throws -> [String] {
                var names: [String] = []
                let rows = try await connection.query(
                    """
                    SELECT column_name FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = \(table) ORDER BY ordinal_position
                    """, logger: logger)
                for try await name in rows.decode(String.self) { names.append(name) }
                return names
            }
            var statements: [String] = []
            for (table, fields) in [("usage_dimensions", UsageRecord.dimensionFields), ("usage_attempts", UsageRecord.attemptFields)] {
                let existing = Set(try await columns(of: table))
                for field in fields where !existing.contains(field.column) {
                    statements.append("ALTER TABLE \(table) ADD COLUMN \(field.column) \(Self.columnDeclaration(field))")
                }
            }
            if statements.isEmpty, try await columns(of: "usage_records") == UsageRecordsSQL.columns { return }
            for statement in statements + [
                "DROP VIEW IF EXISTS usage_records", "CREATE VIEW usage_records AS " + UsageRecordsSQL.recordsView,
            ] {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    /// A field's column as PostgreSQL declares it; a field added to a table with rows needs its
    /// standard value as the default.
    static func columnDeclaration(_ field: UsageField) -> String {
        let type = columnType(field.kind)
        guard !field.optional else { return type }
        return "\(type) NOT NULL DEFAULT \(UsageRecordsSQL.standardLiteral(field))"
    }
}
