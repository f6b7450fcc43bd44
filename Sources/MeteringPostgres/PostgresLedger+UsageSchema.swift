import Metering
import PostgresNIO

extension PostgresLedger {
    /// Brings the usage tables and the `usage_records` view to the declaration of a record's
    /// fields (`UsageRecord.fields`), after the numbered migrations and under their lock: a
    /// declared field the tables lack becomes a column (rows stored before hold its standard
    /// value), the view lists every field, dimension rows are unique over every dimension field,
    /// and the day totals add up every summed field. Nothing changes when the schema already matches.
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
            let summed = UsageRecord.summedFields.map(\.column)
            let daily = Set(try await columns(of: "usage_daily"))
            for column in summed where !daily.contains(column) {
                statements.append("ALTER TABLE usage_daily ADD COLUMN \(column) bigint NOT NULL DEFAULT 0")
            }
            // A count new to the day totals is filled in from the records already stored.
            let newCounts = UsageRecordsSQL.counts.filter { !daily.contains($0.column) }
            for count in newCounts {
                statements.append("ALTER TABLE usage_daily ADD COLUMN \(count.column) bigint NOT NULL DEFAULT 0")
            }
            if !newCounts.isEmpty {
                statements.append(
                    """
                    UPDATE usage_daily u SET \(newCounts.map { "\($0.column) = x.\($0.column)" }.joined(separator: ", "))
                    FROM (SELECT (time AT TIME ZONE 'UTC')::date AS day, dimensions, reporting_cost_nanos IS NOT NULL AS converted,
                        \(newCounts.map { "COUNT(*) FILTER (WHERE \($0.condition)) AS \($0.column)" }.joined(separator: ", "))
                        FROM usage_attempts GROUP BY 1, 2, 3) x
                    WHERE u.day = x.day AND u.dimensions = x.dimensions AND u.converted = x.converted
                    """)
            }
            var identity: [String] = []
            let rows = try await connection.query(
                """
                SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                WHERE c.relname = 'usage_dimensions_identity' ORDER BY array_position(i.indkey::int2[], a.attnum)
                """, logger: logger)
            for try await name in rows.decode(String.self) { identity.append(name) }
            if identity != UsageDimensions.columns {
                statements += ["DROP INDEX IF EXISTS usage_dimensions_identity", UsageRecordsSQL.createIdentityIndex]
            }
            if statements.isEmpty, try await columns(of: "usage_records") == UsageRecordsSQL.columns,
                try await columns(of: "usage_daily_records") == Self.dailyRecordsColumns
            {
                return
            }
            statements += [
                "DROP VIEW IF EXISTS usage_records", UsageRecordsSQL.createRecordsView,
                Self.dailyTotalsFunction, "DROP VIEW IF EXISTS usage_daily_records", Self.dailyRecordsView,
            ]
            for statement in statements {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    /// What the day totals (`usage_daily`) add up for the records an insert stored: every summed
    /// field, per UTC day, dimension row and whether the cost converted (see the migrations).
    static var dailyTotalsFunction: String {
        let summed = UsageRecord.summedFields.map(\.column)
        let counts = UsageRecordsSQL.counts.map(\.column)
        return """
            CREATE OR REPLACE FUNCTION switchyard_add_daily_totals() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO usage_daily (day, dimensions, converted, requests, \((summed + counts).joined(separator: ", ")), cost_nanos)
                SELECT (time AT TIME ZONE 'UTC')::date, dimensions, reporting_cost_nanos IS NOT NULL, COUNT(*),
                    \(summed.map { "SUM(\($0))" }.joined(separator: ", ")),
                    \(UsageRecordsSQL.counts.map { "COUNT(*) FILTER (WHERE \($0.condition))" }.joined(separator: ", ")),
                    SUM(COALESCE(reporting_cost_nanos, cost_nanos))
                FROM inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                ON CONFLICT (day, dimensions, converted) DO UPDATE SET
                    requests = usage_daily.requests + EXCLUDED.requests,
                    \((summed + counts).map { "\($0) = usage_daily.\($0) + EXCLUDED.\($0)" }.joined(separator: ", ")),
                    cost_nanos = usage_daily.cost_nanos + EXCLUDED.cost_nanos;
                RETURN NULL;
            END
            $$
            """
    }

    /// The day totals as spend reports read them: the dimension fields, the currency the total is
    /// in, and the totals.
    static let dailyRecordsColumns =
        ["time", "day", "month"] + UsageDimensions.columns + ["spend_currency", "requests"]
        + UsageRecord.summedFields.map(\.column) + ["cost_nanos"] + UsageRecordsSQL.counts.map(\.column)

    static var dailyRecordsView: String {
        """
        CREATE VIEW usage_daily_records AS
        SELECT (u.day::timestamp AT TIME ZONE 'UTC') AS time, to_char(u.day, 'YYYY-MM-DD') AS day,
            to_char(u.day, 'YYYY-MM') AS month, \(UsageDimensions.columns.map { "d." + $0 }.joined(separator: ", ")),
            CASE WHEN u.converted THEN d.reporting_currency ELSE d.currency END AS spend_currency, u.requests,
            \(UsageRecord.summedFields.map { "u." + $0.column }.joined(separator: ", ")), u.cost_nanos,
            \(UsageRecordsSQL.counts.map { "u." + $0.column }.joined(separator: ", "))
        FROM usage_daily u JOIN usage_dimensions d ON d.id = u.dimensions
        """
    }

    /// A field's column as PostgreSQL declares it.
    static func columnDeclaration(_ field: UsageField) -> String {
        UsageRecordsSQL.columnDeclaration(field, type: columnType(field.kind))
    }
}
