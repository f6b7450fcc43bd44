import Foundation
import GatewayModel
import Logging
public import Metering
import PostgresNIO
import Synchronization

/// The shared ledger: one PostgreSQL database behind any number of gateway replicas — keys,
/// usage records and reports in one place.
///
/// Queries go through postgres-nio's connection pool; nothing here blocks a thread. Schema
/// changes are versioned migrations (`schema_migrations`), applied under an advisory lock so
/// replicas starting together don't race.
public final class PostgresLedger: Ledger {
    let client: PostgresClient
    public let location: PostgresLocation
    let logger: Logger
    /// Runs the pool until ``close()`` (the ledger is opened before the service group starts, and
    /// the CLI's one-shot commands have none: the ledger owns its pool's lifetime).
    private let pool: Task<Void, Never>
    /// Ids of the `usage_dimensions` rows already stored, so each is upserted once.
    let dimensionIDs = Mutex<[UsageDimensions: Int64]>([:])

    private init(location: PostgresLocation, maximumConnections: Int, logger: Logger) {
        self.location = location
        self.logger = logger
        let client = PostgresClient(configuration: location.clientConfiguration(maximumConnections: maximumConnections))
        self.client = client
        self.pool = Task { await client.run() }
    }

    /// Connects to the database at `location`, once directly first: an unreachable server or a
    /// refused login is then a clear error at once (the pool would retry it with backoff).
    public static func open(_ location: PostgresLocation, maximumConnections: Int = 10, logger: Logger) async throws -> PostgresLedger {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try location.connectionConfiguration(), id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw PostgresLedgerError("cannot reach the ledger database \(location): \(Self.reason(error))")
        }
        return PostgresLedger(location: location, maximumConnections: maximumConnections, logger: logger)
    }

    /// Ordered migrations; `schema_migrations` records which have run.
    static let migrations: [String] = [
        """
        CREATE TABLE virtual_keys (
            id text PRIMARY KEY,
            tenant text NOT NULL,
            key_hash text NOT NULL UNIQUE,
            created_at timestamptz NOT NULL,
            revoked_at timestamptz,
            budget text,
            rpm bigint,
            tpm bigint,
            allowed_routes text NOT NULL DEFAULT ''
        )
        """,
        "CREATE TABLE readiness_probe (id integer PRIMARY KEY, checked_at timestamptz NOT NULL)",
        // The who-and-where of records, once per combination (see UsageDimensions).
        """
        CREATE TABLE usage_dimensions (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            tenant text NOT NULL,
            key_id text NOT NULL,
            route text NOT NULL,
            provider text NOT NULL,
            model text NOT NULL,
            region text NOT NULL,
            dialect_in text NOT NULL,
            dialect_out text NOT NULL,
            currency text NOT NULL,
            reporting_currency text NOT NULL,
            policy text NOT NULL,
            UNIQUE (tenant, key_id, route, provider, model, region, dialect_in, dialect_out, currency, reporting_currency, policy)
        )
        """,
        """
        CREATE TABLE usage_attempts (
            id text PRIMARY KEY,
            request_id text NOT NULL,
            time timestamptz NOT NULL,
            dimensions bigint NOT NULL REFERENCES usage_dimensions (id),
            streamed boolean NOT NULL,
            input_tokens bigint NOT NULL,
            cached_input_tokens bigint NOT NULL,
            output_tokens bigint NOT NULL,
            usage_source text NOT NULL,
            input_per_mtok_nanos bigint NOT NULL,
            cached_input_per_mtok_nanos bigint NOT NULL,
            output_per_mtok_nanos bigint NOT NULL,
            cost_nanos bigint NOT NULL,
            reporting_cost_nanos bigint,
            ttft_ms integer,
            total_ms integer NOT NULL,
            status integer NOT NULL,
            outcome text NOT NULL,
            pii_masked integer NOT NULL
        )
        """,
        // A tenant's or key's report: its few dimension rows, then a time range of each.
        "CREATE INDEX usage_attempts_dimensions_time ON usage_attempts (dimensions, time)",
        // A report over everyone for a date range: records arrive in time order, so a BRIN
        // index (a few pages for millions of rows, next to free to maintain) skips the rest.
        "CREATE INDEX usage_attempts_time ON usage_attempts USING brin (time)",
        """
        CREATE VIEW usage_records AS
        SELECT a.id, a.request_id, a.time, d.tenant, d.key_id, d.route, d.provider, d.model, d.region, d.dialect_in,
            d.dialect_out, a.streamed, a.input_tokens, a.cached_input_tokens, a.output_tokens, a.usage_source,
            a.input_per_mtok_nanos, a.cached_input_per_mtok_nanos, a.output_per_mtok_nanos, d.currency, a.cost_nanos,
            d.reporting_currency, a.reporting_cost_nanos, a.ttft_ms, a.total_ms, a.status, a.outcome, d.policy, a.pii_masked
        FROM usage_attempts a JOIN usage_dimensions d ON d.id = a.dimensions
        """,
        // Totals per day and dimension row, kept by the database itself on every insert (the
        // trigger below, from exactly the rows inserted): spend reports over whole days read these
        // instead of every record (see PostgresLedger.spend).
        """
        CREATE TABLE usage_daily (
            day date NOT NULL,
            dimensions bigint NOT NULL REFERENCES usage_dimensions (id),
            converted boolean NOT NULL,
            requests bigint NOT NULL,
            input_tokens bigint NOT NULL,
            cached_input_tokens bigint NOT NULL,
            output_tokens bigint NOT NULL,
            cost_nanos numeric NOT NULL,
            PRIMARY KEY (day, dimensions, converted)
        )
        """,
        // A trigger rather than the gateway's insert: whatever writes records — any version of
        // the gateway during a rolling upgrade, an import by hand — the totals follow. Rows an
        // `ON CONFLICT DO NOTHING` skipped are not in `inserted`; one order for every writer, so
        // two batches never wait on each other's rows.
        """
        CREATE FUNCTION switchyard_add_daily_totals() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO usage_daily
            SELECT (time AT TIME ZONE 'UTC')::date, dimensions, reporting_cost_nanos IS NOT NULL, COUNT(*), SUM(input_tokens),
                SUM(cached_input_tokens), SUM(output_tokens), SUM(COALESCE(reporting_cost_nanos, cost_nanos))
            FROM inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (day, dimensions, converted) DO UPDATE SET
                requests = usage_daily.requests + EXCLUDED.requests,
                input_tokens = usage_daily.input_tokens + EXCLUDED.input_tokens,
                cached_input_tokens = usage_daily.cached_input_tokens + EXCLUDED.cached_input_tokens,
                output_tokens = usage_daily.output_tokens + EXCLUDED.output_tokens,
                cost_nanos = usage_daily.cost_nanos + EXCLUDED.cost_nanos;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER usage_attempts_daily_totals AFTER INSERT ON usage_attempts
        REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION switchyard_add_daily_totals()
        """,
        // The records stored before: creating the trigger locked out writers until these
        // migrations commit, so none is missed or counted twice.
        """
        INSERT INTO usage_daily
        SELECT (time AT TIME ZONE 'UTC')::date, dimensions, reporting_cost_nanos IS NOT NULL, COUNT(*), SUM(input_tokens),
            SUM(cached_input_tokens), SUM(output_tokens), SUM(COALESCE(reporting_cost_nanos, cost_nanos))
        FROM usage_attempts GROUP BY 1, 2, 3
        """,
        """
        CREATE VIEW usage_daily_records AS
        SELECT (u.day::timestamp AT TIME ZONE 'UTC') AS time, to_char(u.day, 'YYYY-MM-DD') AS day,
            to_char(u.day, 'YYYY-MM') AS month, d.tenant, d.key_id, d.route, d.provider, d.model, d.region,
            CASE WHEN u.converted THEN d.reporting_currency ELSE d.currency END AS spend_currency,
            u.requests, u.input_tokens, u.cached_input_tokens, u.output_tokens, u.cost_nanos
        FROM usage_daily u JOIN usage_dimensions d ON d.id = u.dimensions
        """,
        // Shared budgets (see BudgetLeaseStore): per scope and period, what replicas spent and
        // what their leases hold, in nano-units of the reporting currency.
        """
        CREATE TABLE budget_accounts (
            scope text NOT NULL,
            period text NOT NULL,
            period_start timestamptz NOT NULL,
            spent_nanos bigint NOT NULL,
            leased_nanos bigint NOT NULL,
            PRIMARY KEY (scope, period, period_start)
        )
        """,
        """
        CREATE TABLE budget_leases (
            scope text NOT NULL,
            period text NOT NULL,
            period_start timestamptz NOT NULL,
            replica text NOT NULL,
            held_nanos bigint NOT NULL,
            -- What the replica has reported spending in all (reports are cumulative: idempotent).
            reported_nanos bigint NOT NULL,
            expires_at timestamptz NOT NULL,
            PRIMARY KEY (scope, period, period_start, replica)
        )
        """,
        // Shared rate limits (see RateWindowStore): each replica's per-second counts per scope.
        """
        CREATE TABLE rate_counts (
            scope text NOT NULL,
            second bigint NOT NULL,
            replica text NOT NULL,
            requests bigint NOT NULL,
            tokens bigint NOT NULL,
            PRIMARY KEY (scope, second, replica)
        )
        """,
        "CREATE INDEX rate_counts_second ON rate_counts (second)",
        // One account's exchange, atomic under the account's row lock (taken first, always):
        // expired leases of any replica become spent, what this replica spent since its last
        // report moves from its lease to spent, then the lease is topped up (only within the
        // limit) or handed back. Repeating an exchange changes nothing more.
        """
        CREATE FUNCTION switchyard_exchange_lease(
            p_scope text, p_period text, p_start timestamptz, p_replica text, p_limit bigint, p_opening bigint,
            p_spent bigint, p_acknowledged bigint, p_believed bigint, p_target bigint, p_needed bigint, p_minimum bigint,
            p_seconds double precision, OUT held bigint, OUT used bigint)
        LANGUAGE plpgsql AS $$
        DECLARE
            spent bigint;
            leased bigint;
            expired bigint;
            reported bigint;
            delta bigint;
            consumed bigint;
            available bigint;
            top_up bigint;
        BEGIN
            INSERT INTO budget_accounts VALUES (p_scope, p_period, p_start, p_opening, 0) ON CONFLICT DO NOTHING;
            SELECT a.spent_nanos, a.leased_nanos INTO spent, leased FROM budget_accounts a
                WHERE a.scope = p_scope AND a.period = p_period AND a.period_start = p_start FOR UPDATE;

            WITH gone AS (
                DELETE FROM budget_leases l
                WHERE l.scope = p_scope AND l.period = p_period AND l.period_start = p_start AND l.expires_at < now()
                RETURNING l.held_nanos)
            SELECT COALESCE(SUM(held_nanos), 0) INTO expired FROM gone;
            spent := spent + expired;
            leased := leased - expired;

            SELECT l.held_nanos, l.reported_nanos INTO held, reported FROM budget_leases l
                WHERE l.scope = p_scope AND l.period = p_period AND l.period_start = p_start AND l.replica = p_replica FOR UPDATE;
            IF FOUND THEN
                delta := GREATEST(p_spent - reported, 0);
            ELSIF p_believed = 0 THEN
                held := 0;
                delta := GREATEST(p_spent - p_acknowledged, 0);
            ELSE
                -- The lease this replica believed in expired and was counted as spent whole:
                -- what it spent from it is already in.
                held := 0;
                delta := 0;
            END IF;
            consumed := LEAST(delta, held);
            spent := spent + delta;
            leased := leased - consumed;
            held := held - consumed;

            IF p_target > held THEN
                available := p_limit - spent - leased;
                top_up := 0;
                IF available > 0 AND available >= p_minimum THEN
                    -- Waiting requests first, as far as there is room; headroom beyond them from
                    -- at most half of the rest, so near the limit no replica hoards it.
                    top_up := LEAST(p_needed, available, p_target - held);
                    top_up := top_up + GREATEST(LEAST(p_target - held - top_up, (available - top_up) / 2), 0);
                END IF;
                held := held + top_up;
                leased := leased + top_up;
            ELSE
                leased := leased - (held - p_target);
                held := p_target;
            END IF;

            UPDATE budget_accounts a SET spent_nanos = spent, leased_nanos = leased
                WHERE a.scope = p_scope AND a.period = p_period AND a.period_start = p_start;
            -- Kept while held is 0 too (until it expires), so a repeated report is recognised.
            INSERT INTO budget_leases VALUES (
                p_scope, p_period, p_start, p_replica, held, p_spent, now() + make_interval(secs => p_seconds))
            ON CONFLICT (scope, period, period_start, replica) DO UPDATE
            SET held_nanos = EXCLUDED.held_nanos, reported_nanos = GREATEST(budget_leases.reported_nanos, EXCLUDED.reported_nanos),
                expires_at = EXCLUDED.expires_at;
            used := spent + leased;
        END
        $$
        """,
        // Responses API conversations the gateway keeps (StoredResponse).
        """
        CREATE TABLE stored_responses (
            id text PRIMARY KEY,
            tenant text NOT NULL,
            created_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL,
            items text NOT NULL,
            input_count integer NOT NULL,
            response text NOT NULL
        )
        """,
        "CREATE INDEX stored_responses_expires_at ON stored_responses (expires_at)",
        // The dimension rows' uniqueness moves from the table's constraint to a named index the
        // declaration of a record's fields keeps up to date (reconcileUsageSchema).
        """
        CREATE UNIQUE INDEX usage_dimensions_identity ON usage_dimensions (tenant, key_id, route, provider, model, region,
            dialect_in, dialect_out, currency, reporting_currency, policy)
        """,
        """
        DO $$
        DECLARE constraint_name text;
        BEGIN
            FOR constraint_name IN
                SELECT conname FROM pg_constraint WHERE conrelid = 'usage_dimensions'::regclass AND contype = 'u'
            LOOP
                EXECUTE format('ALTER TABLE usage_dimensions DROP CONSTRAINT %I', constraint_name);
            END LOOP;
        END
        $$
        """,
        // The audit trail (AuditEntry): hash-chained, appended by every replica under its sequence.
        PostgresLedger.auditTable,
        // Closed days' usage records, sealed (DaySeal).
        PostgresLedger.sealsTable,
        // The newest records first (the console's request list): a B-tree reads them in order,
        // which the block-range index can't.
        "CREATE INDEX usage_attempts_time_id ON usage_attempts (time, id COLLATE \"C\")",
        "DROP INDEX IF EXISTS usage_attempts_time",
    ]

    /// The advisory lock migrations hold (any constant every replica agrees on).
    static let migrationLock: Int64 = 0x5357_5944_4D49_4752  // "SWYDMIGR"

    public func migrate() async throws {
        _ = try await migrate(first: Self.migrations.count)
        try await reconcileUsageSchema()
    }

    /// Runs the migrations not run yet among the first `count`, in one transaction; returns how
    /// many ran.
    func migrate(first count: Int) async throws -> Int {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                logger: logger)
            var version = 0
            for try await (applied) in try await connection.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: logger)
                .decode(Int.self)
            {
                version = applied
            }
            var ran = 0
            for (index, statement) in Self.migrations.prefix(count).enumerated() where index >= version {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                try await connection.query("INSERT INTO schema_migrations (version) VALUES (\(index + 1))", logger: logger)
                ran += 1
            }
            return ran
        }
    }

    /// The newest migration the database has run.
    public func schemaVersion() async throws -> Int {
        var exists = false
        for try await found in try await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
            .decode(Bool.self)
        {
            exists = found
        }
        guard exists else { return 0 }
        var version = 0
        for try await applied in try await client.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: logger)
            .decode(Int.self)
        {
            version = applied
        }
        return version
    }

    public func insertKey(_ record: VirtualKeyRecord) async throws {
        let routes = record.allowedRoutes.joined(separator: ",")
        try await client.query(
            """
            INSERT INTO virtual_keys (id, tenant, key_hash, created_at, revoked_at, budget, rpm, tpm, allowed_routes)
            VALUES (\(record.id), \(record.tenant), \(record.hash), \(record.createdAt), \(record.revokedAt),
                \(record.budget?.description), \(record.limits.requestsPerMinute), \(record.limits.tokensPerMinute), \(routes))
            """, logger: logger)
    }

    public func activeKeys() async throws -> [VirtualKeyRecord] {
        try await keys(where: "WHERE revoked_at IS NULL")
    }

    public func activeKey(hash: String) async throws -> VirtualKeyRecord? {
        var binds = PostgresBindings()
        binds.append(hash)
        return try await keys(where: "WHERE key_hash = $1 AND revoked_at IS NULL", binds).first
    }

    public func allKeys() async throws -> [VirtualKeyRecord] {
        try await keys(where: "")
    }

    public func revokeKey(id: String) async throws -> Bool {
        let rows = try await client.query(
            "UPDATE virtual_keys SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL RETURNING id", logger: logger)
        return try await rows.collect().count > 0
    }

    public func changeKey(_ record: VirtualKeyRecord) async throws -> Bool {
        let routes = record.allowedRoutes.joined(separator: ",")
        let rows = try await client.query(
            """
            UPDATE virtual_keys SET budget = \(record.budget?.description), rpm = \(record.limits.requestsPerMinute),
                tpm = \(record.limits.tokensPerMinute), allowed_routes = \(routes)
            WHERE id = \(record.id) AND revoked_at IS NULL RETURNING id
            """, logger: logger)
        return try await rows.collect().count > 0
    }

    private func keys(where condition: String, _ binds: PostgresBindings = PostgresBindings()) async throws -> [VirtualKeyRecord] {
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL:
                    "SELECT id, tenant, key_hash, created_at, revoked_at, budget, rpm, tpm, allowed_routes FROM virtual_keys \(condition) ORDER BY created_at, id",
                binds: binds), logger: logger)
        var records: [VirtualKeyRecord] = []
        for try await (id, tenant, hash, created, revoked, budget, rpm, tpm, routes) in rows.decode(
            (String, String, String, Date, Date?, String?, Int?, Int?, String).self)
        {
            records.append(
                VirtualKeyRecord(
                    id: id, tenant: tenant, hash: hash, createdAt: created, revokedAt: revoked,
                    budget: budget.flatMap(Budget.init(parsing:)),
                    limits: RateLimits(requestsPerMinute: rpm, tokensPerMinute: tpm),
                    allowedRoutes: routes.split(separator: ",").map(String.init)))
        }
        return records
    }

    public func checkWritable() async throws {
        try await client.query(
            "INSERT INTO readiness_probe (id, checked_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET checked_at = now()",
            logger: logger)
    }

    public func close() async throws {
        pool.cancel()
        await pool.value
    }

    /// What went wrong with a query, without the query's bound values.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            return error.serverInfo?[.message] ?? error.underlying.map { "\($0)" } ?? "\(error.code)"
        }
        return "\(error)"
    }
}

/// A ledger database that refused or failed a request.
struct PostgresLedgerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
