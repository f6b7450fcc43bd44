import Foundation
import GatewayModel
public import Metering
import SQLiteNIO
import Synchronization

/// The embedded ledger: one SQLite file in WAL mode, the default for a single gateway.
///
/// sqlite-nio runs every statement on NIO's thread pool, so callers never block an event loop.
/// WAL lets the CLI (`switchyard keys create`) write while a running gateway reads.
public final class SQLiteLedger: Ledger {
    let connection: SQLiteConnection
    public let path: String
    /// The file SQLite opens: `path`, or a private temporary file standing in for `:memory:`
    /// (usage records are written over a second connection, which an in-memory database can't have).
    private let file: String
    let threadPool: NIOThreadPool = .singleton
    /// Created at the first usage insert, once migrations have made its tables.
    private let usageInserter = Mutex<UsageInserter?>(nil)

    private init(connection: SQLiteConnection, path: String, file: String) {
        self.connection = connection
        self.path = path
        self.file = file
    }

    /// Opens (creating if needed) the database at `path`, or a private one, gone once closed,
    /// for `":memory:"`.
    public static func open(path: String) async throws -> SQLiteLedger {
        let file = path == ":memory:" ? NSTemporaryDirectory() + "switchyard-ledger-\(UUID().uuidString).db" : path
        let connection = try await SQLiteConnection.open(storage: .file(path: file))
        let ledger = SQLiteLedger(connection: connection, path: path, file: file)
        _ = try await connection.query("PRAGMA busy_timeout = 5000")
        _ = try await connection.query("PRAGMA journal_mode = WAL")
        _ = try await connection.query("PRAGMA synchronous = NORMAL")
        return ledger
    }

    /// The connection usage records are inserted over (opened at first use).
    var inserter: UsageInserter {
        get throws {
            try usageInserter.withLock { inserter in
                if let inserter { return inserter }
                let opened = try UsageInserter(path: file)
                inserter = opened
                return opened
            }
        }
    }

    /// `usage_dimensions`' columns as migrations first made them (later fields are added by
    /// `reconcileUsageSchema`).
    private static let firstDimensionColumns = """
        id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, key_id TEXT NOT NULL, route TEXT NOT NULL, provider TEXT NOT NULL,
            model TEXT NOT NULL, region TEXT NOT NULL, dialect_in TEXT NOT NULL, dialect_out TEXT NOT NULL, currency TEXT NOT NULL,
            reporting_currency TEXT NOT NULL, policy TEXT NOT NULL
        """

    /// Ordered migrations; `PRAGMA user_version` records how many have run.
    static let migrations: [String] = [
        """
        CREATE TABLE IF NOT EXISTS virtual_keys (
            id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        )
        """,
        "CREATE TABLE IF NOT EXISTS readiness_probe (id INTEGER PRIMARY KEY, checked_at TEXT NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS usage_records (
            id TEXT PRIMARY KEY,
            request_id TEXT NOT NULL,
            time TEXT NOT NULL,
            tenant TEXT NOT NULL,
            key_id TEXT NOT NULL,
            route TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            region TEXT NOT NULL,
            dialect_in TEXT NOT NULL,
            dialect_out TEXT NOT NULL,
            streamed INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            cached_input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            usage_source TEXT NOT NULL,
            input_per_mtok_nanos INTEGER NOT NULL,
            cached_input_per_mtok_nanos INTEGER NOT NULL,
            output_per_mtok_nanos INTEGER NOT NULL,
            currency TEXT NOT NULL,
            cost_nanos INTEGER NOT NULL,
            reporting_currency TEXT NOT NULL,
            reporting_cost_nanos INTEGER,
            ttft_ms INTEGER,
            total_ms INTEGER NOT NULL,
            status INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            policy TEXT NOT NULL,
            pii_masked INTEGER NOT NULL
        )
        """,
        // Reports filter by tenant and time; one index keeps inserts cheap (a report over all
        // tenants scans, which SQLite does at millions of rows a second).
        "CREATE INDEX IF NOT EXISTS usage_records_tenant_time ON usage_records (tenant, time)",
        "ALTER TABLE virtual_keys ADD COLUMN budget TEXT",
        "ALTER TABLE virtual_keys ADD COLUMN rpm INTEGER",
        "ALTER TABLE virtual_keys ADD COLUMN tpm INTEGER",
        "ALTER TABLE virtual_keys ADD COLUMN allowed_routes TEXT NOT NULL DEFAULT ''",
        // Records split in two: the repeating who-and-where once per combination, each attempt
        // as numbers and a reference (see UsageDimensions); `usage_records` becomes a view with
        // the columns it always had, for reports and auditors' own queries.
        """
        CREATE TABLE usage_dimensions (
            \(firstDimensionColumns),
            UNIQUE (tenant, key_id, route, provider, model, region, dialect_in, dialect_out, currency, reporting_currency, policy)
        )
        """,
        """
        CREATE TABLE usage_attempts (
            id TEXT PRIMARY KEY,
            request_id TEXT NOT NULL,
            time TEXT NOT NULL,
            dimensions INTEGER NOT NULL REFERENCES usage_dimensions (id),
            streamed INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            cached_input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            usage_source TEXT NOT NULL,
            input_per_mtok_nanos INTEGER NOT NULL,
            cached_input_per_mtok_nanos INTEGER NOT NULL,
            output_per_mtok_nanos INTEGER NOT NULL,
            cost_nanos INTEGER NOT NULL,
            reporting_cost_nanos INTEGER,
            ttft_ms INTEGER,
            total_ms INTEGER NOT NULL,
            status INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            pii_masked INTEGER NOT NULL
        )
        """,
        """
        INSERT INTO usage_dimensions (tenant, key_id, route, provider, model, region, dialect_in, dialect_out, currency,
            reporting_currency, policy)
        SELECT DISTINCT tenant, key_id, route, provider, model, region, dialect_in, dialect_out, currency,
            reporting_currency, policy
        FROM usage_records
        """,
        """
        INSERT INTO usage_attempts
        SELECT r.id, r.request_id, r.time, d.id, r.streamed, r.input_tokens, r.cached_input_tokens, r.output_tokens,
            r.usage_source, r.input_per_mtok_nanos, r.cached_input_per_mtok_nanos, r.output_per_mtok_nanos, r.cost_nanos,
            r.reporting_cost_nanos, r.ttft_ms, r.total_ms, r.status, r.outcome, r.pii_masked
        FROM usage_records r JOIN usage_dimensions d USING (tenant, key_id, route, provider, model, region, dialect_in,
            dialect_out, currency, reporting_currency, policy)
        """,
        "DROP TABLE usage_records",
        // Reports filter by tenant (a handful of dimension rows) and time.
        "CREATE INDEX usage_attempts_dimensions_time ON usage_attempts (dimensions, time)",
        """
        CREATE VIEW usage_records AS
        SELECT a.id, a.request_id, a.time, d.tenant, d.key_id, d.route, d.provider, d.model, d.region, d.dialect_in,
            d.dialect_out, a.streamed, a.input_tokens, a.cached_input_tokens, a.output_tokens, a.usage_source,
            a.input_per_mtok_nanos, a.cached_input_per_mtok_nanos, a.output_per_mtok_nanos, d.currency, a.cost_nanos,
            d.reporting_currency, a.reporting_cost_nanos, a.ttft_ms, a.total_ms, a.status, a.outcome, d.policy, a.pii_masked
        FROM usage_attempts a JOIN usage_dimensions d ON d.id = a.dimensions
        """,
        // Responses API conversations the gateway keeps (StoredResponse); times in Unix seconds.
        """
        CREATE TABLE stored_responses (
            id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            items TEXT NOT NULL,
            input_count INTEGER NOT NULL,
            response TEXT NOT NULL
        )
        """,
        "CREATE INDEX stored_responses_expires_at ON stored_responses (expires_at)",
        // The dimension rows' uniqueness moves from the table's own constraint (which SQLite can't
        // change) to a named index the declaration of a record's fields keeps up to date
        // (reconcileUsageSchema): a dimension field added later joins it.
        """
        CREATE TABLE usage_dimensions_rebuilt (
            \(firstDimensionColumns)
        )
        """,
        """
        INSERT INTO usage_dimensions_rebuilt
        SELECT id, tenant, key_id, route, provider, model, region, dialect_in, dialect_out, currency, reporting_currency, policy
        FROM usage_dimensions
        """,
        "DROP VIEW usage_records",
        "DROP TABLE usage_dimensions",
        "ALTER TABLE usage_dimensions_rebuilt RENAME TO usage_dimensions",
        """
        CREATE UNIQUE INDEX usage_dimensions_identity ON usage_dimensions (tenant, key_id, route, provider, model, region,
            dialect_in, dialect_out, currency, reporting_currency, policy)
        """,
        // The audit trail (AuditEntry): hash-chained, appended under its sequence.
        SQLiteLedger.auditTable,
        // Closed days' usage records, sealed (DaySeal).
        SQLiteLedger.sealsTable,
        // The newest records first (the console's request list), and time ranges across tenants.
        "CREATE INDEX usage_attempts_time ON usage_attempts (time, id)",
        // Day totals, as PostgreSQL keeps them: a report over whole days reads a row per day and
        // dimension row. The usage inserter adds each batch in; reconcileUsageSchema adds a column
        // per summed field and count, and fills the table from the records stored before it.
        """
        CREATE TABLE usage_daily (
            day TEXT NOT NULL,
            dimensions INTEGER NOT NULL,
            converted INTEGER NOT NULL,
            requests INTEGER NOT NULL,
            cost_nanos INTEGER NOT NULL,
            PRIMARY KEY (day, dimensions, converted)
        ) WITHOUT ROWID
        """,
    ]

    public func migrate() async throws {
        try await migrate(first: Self.migrations.count)
        try await reconcileUsageSchema()
    }

    public func schemaVersion() async throws -> Int {
        try await connection.query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0
    }

    /// Runs the migrations not run yet among the first `count` (tests stop early to build an
    /// older schema).
    func migrate(first count: Int) async throws {
        let version = try await schemaVersion()
        for (index, statement) in Self.migrations.prefix(count).enumerated() where index >= version {
            try await transaction {
                _ = try await connection.query(statement)
                _ = try await connection.query("PRAGMA user_version = \(index + 1)")
            }
        }
    }

    public func insertKey(_ record: VirtualKeyRecord) async throws {
        _ = try await connection.query(
            "INSERT INTO virtual_keys (id, tenant, key_hash, created_at, revoked_at, budget, rpm, tpm, allowed_routes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                .text(record.id), .text(record.tenant), .text(record.hash), .text(Self.timestamp(record.createdAt)),
                record.revokedAt.map { .text(Self.timestamp($0)) } ?? .null, record.budget.map { .text($0.description) } ?? .null,
                record.limits.requestsPerMinute.map { .integer($0) } ?? .null,
                record.limits.tokensPerMinute.map { .integer($0) } ?? .null, .text(record.allowedRoutes.joined(separator: ",")),
            ])
    }

    public func activeKeys() async throws -> [VirtualKeyRecord] {
        try await keys(where: "WHERE revoked_at IS NULL")
    }

    public func activeKey(hash: String) async throws -> VirtualKeyRecord? {
        try await keys(where: "WHERE key_hash = ? AND revoked_at IS NULL", [.text(hash)]).first
    }

    public func allKeys() async throws -> [VirtualKeyRecord] {
        try await keys(where: "")
    }

    public func revokeKey(id: String) async throws -> Bool {
        let rows = try await connection.query(
            "UPDATE virtual_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING id",
            [.text(Self.timestamp(Date())), .text(id)])
        return !rows.isEmpty
    }

    public func changeKey(_ record: VirtualKeyRecord) async throws -> Bool {
        let rows = try await connection.query(
            "UPDATE virtual_keys SET budget = ?, rpm = ?, tpm = ?, allowed_routes = ? WHERE id = ? AND revoked_at IS NULL RETURNING id",
            [
                record.budget.map { .text($0.description) } ?? .null, record.limits.requestsPerMinute.map { .integer($0) } ?? .null,
                record.limits.tokensPerMinute.map { .integer($0) } ?? .null, .text(record.allowedRoutes.joined(separator: ",")),
                .text(record.id),
            ])
        return !rows.isEmpty
    }

    private func keys(where condition: String, _ binds: [SQLiteData] = []) async throws -> [VirtualKeyRecord] {
        let rows = try await connection.query(
            "SELECT id, tenant, key_hash, created_at, revoked_at, budget, rpm, tpm, allowed_routes FROM virtual_keys \(condition) ORDER BY created_at, id",
            binds)
        return rows.compactMap { row in
            guard let id = row.column("id")?.string, let tenant = row.column("tenant")?.string,
                let hash = row.column("key_hash")?.string
            else { return nil }
            let created = row.column("created_at")?.string.flatMap(Self.date(from:)) ?? Date(timeIntervalSince1970: 0)
            let routes = row.column("allowed_routes")?.string ?? ""
            return VirtualKeyRecord(
                id: id, tenant: tenant, hash: hash, createdAt: created,
                revokedAt: row.column("revoked_at")?.string.flatMap(Self.date(from:)),
                budget: row.column("budget")?.string.flatMap(Budget.init(parsing:)),
                limits: RateLimits(requestsPerMinute: row.column("rpm")?.integer, tokensPerMinute: row.column("tpm")?.integer),
                allowedRoutes: routes.split(separator: ",").map(String.init))
        }
    }

    public func checkWritable() async throws {
        _ = try await connection.query(
            "INSERT OR REPLACE INTO readiness_probe (id, checked_at) VALUES (1, ?)", [.text(Self.timestamp(Date()))])
    }

    public func close() async throws {
        usageInserter.withLock { inserter in
            inserter?.close()
            inserter = nil
        }
        try await connection.close()
        if file != path {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
        }
    }

    func query(_ sql: String, _ bindings: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await connection.query(sql, bindings)
    }

    /// Runs `body` in one write transaction (a migration and its version bump commit together).
    func transaction(_ body: () async throws -> Void) async throws {
        _ = try await connection.query("BEGIN IMMEDIATE")
        do {
            try await body()
            _ = try await connection.query("COMMIT")
        } catch {
            _ = try? await connection.query("ROLLBACK")
            throw error
        }
    }

    /// Every time the ledger stores, in one format (`2026-11-24T01:02:03Z`, sortable as text).
    static func timestamp(_ date: Date) -> String {
        UTCTimestamp.text(date)
    }

    static func date(from text: String) -> Date? {
        try? Date(text, strategy: .iso8601)
    }
}

/// A ledger database that answered something it never should (a broken invariant, not bad input).
struct SQLiteLedgerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
