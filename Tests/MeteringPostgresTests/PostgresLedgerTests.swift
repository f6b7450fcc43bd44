import Foundation
import GatewayModel
import LedgerTestSupport
import Logging
import PostgresNIO
import Testing

@testable import Metering
@testable import MeteringPostgres

/// The PostgreSQL ledger against a real server: the one `Tests/all.sh` starts on a loopback port
/// (`SWITCHYARD_TEST_POSTGRES`). Each test gets a database of its own.
/// The test server, when there is one.
let testServerURL = ProcessInfo.processInfo.environment["SWITCHYARD_TEST_POSTGRES"]

@Suite(.enabled(if: testServerURL != nil, "needs SWITCHYARD_TEST_POSTGRES (Tests/all.sh starts a server)"))
struct PostgresLedgerTests {
    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    /// Runs `body` against a fresh database on the test server, dropped afterwards.
    static func withFreshDatabase(_ body: (PostgresLocation) async throws -> Void) async throws {
        let server = try PostgresLocation(url: try #require(testServerURL))
        let name = "ledger_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        let admin = try await PostgresLedger.open(server, maximumConnections: 1, logger: logger)
        try await admin.client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        var location = server
        location.database = name
        do {
            try await body(location)
        } catch {
            _ = try? await admin.client.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"))
            try? await admin.close()
            throw error
        }
        try await admin.client.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"))
        try await admin.close()
    }

    static func record(
        _ id: String, tenant: String = "bank", provider: String = "deepseek", usage: TokenUsage = TokenUsage(input: 1000, output: 500),
        day: String = "2026-11-20", ttft: Int? = nil, fxRate: Decimal? = Decimal(string: "0.14")
    ) -> UsageRecord {
        UsageRecord(
            id: id, requestID: "req_\(id)", time: try! Date(day + "T10:00:00Z", strategy: .iso8601), tenant: tenant,
            keyID: "key_\(tenant)", route: "chat", provider: provider, model: "\(provider)-chat", region: "cn", dialectIn: "openai",
            dialectOut: "anthropic", streamed: ttft != nil, usage: usage, usageSource: .provider,
            price: ModelPrice(inputPerMillion: 2, outputPerMillion: 8, cachedInputPerMillion: Decimal(string: "0.5"), currency: "CNY"),
            reportingCurrency: "USD", fxRate: fxRate, ttftMilliseconds: ttft, totalMilliseconds: 120, status: 200,
            outcome: .completed, policy: "finance", piiMasked: 2)
    }

    /// Every field of the declaration (`UsageRecord.fields`) is stored and read back as it was.
    @Test func theLedgerStoresEveryField() async throws {
        try await Self.withFreshDatabase { location in
            let ledger = try await PostgresLedger.open(location, logger: Self.logger)
            try await ledger.migrate()
            let records = (0..<6).map(UsageRecord.everyFieldSet)
            try await ledger.insertUsage(records)
            #expect(try await ledger.usageRecords(UsageFilter()) == records)
            try await ledger.migrate()  // again: nothing changes
            #expect(try await ledger.usageRecords(UsageFilter()) == records)
            try await ledger.close()
        }
    }

    /// A ledger from before `operation` and `search_units` (and the dimension rows' named unique
    /// index) keeps its records: they read as `chat` with no search units, reports group by
    /// operation from the day totals too, and a new operation gets a dimension row of its own.
    @Test func anOlderLedgerGainsTheFieldsDeclaredSince() async throws {
        try await Self.withFreshDatabase { location in
            let ledger = try await PostgresLedger.open(location, logger: Self.logger)
            _ = try await ledger.migrate(first: PostgresLedger.migrations.count - 2)
            try await ledger.client.query(
                """
                INSERT INTO usage_dimensions (tenant, key_id, route, provider, model, region, dialect_in, dialect_out, currency,
                    reporting_currency, policy)
                VALUES ('bank', 'key_bank', 'chat', 'deepseek', 'deepseek-chat', 'cn', 'openai', 'openai', 'CNY', 'USD', '')
                """)
            try await ledger.client.query(
                """
                INSERT INTO usage_attempts (id, request_id, time, dimensions, streamed, input_tokens, cached_input_tokens,
                    output_tokens, usage_source, input_per_mtok_nanos, cached_input_per_mtok_nanos, output_per_mtok_nanos,
                    cost_nanos, reporting_cost_nanos, ttft_ms, total_ms, status, outcome, pii_masked)
                SELECT 'old-1', 'req_old', '2026-11-20T10:00:00Z', id, false, 1000, 0, 500, 'provider', 2000000000, 2000000000,
                    8000000000, 6000000, 840000, NULL, 120, 200, 'completed', 0 FROM usage_dimensions
                """)
            try await ledger.migrate()
            let old = try #require(try await ledger.usageRecords(UsageFilter()).first)
            #expect(old.operation == "chat" && old.searchUnits == 0 && old.inputTokens == 1000)
            var rerank = Self.record("new-1")
            rerank.operation = "rerank"
            rerank.searchUnits = 4
            rerank.keyID = old.keyID
            try await ledger.insertUsage([rerank])
            // Whole days: read from the day totals.
            let rows = try await ledger.spend(
                SpendQuery(
                    groupBy: [.operation],
                    filter: UsageFilter(
                        since: try Date("2026-11-01T00:00:00Z", strategy: .iso8601),
                        until: try Date("2026-12-01T00:00:00Z", strategy: .iso8601))))
            #expect(rows.map(\.groups) == [["chat"], ["rerank"]])
            #expect(rows.map { $0.total("search_units") } == [0, 4])
            #expect(rows.map(\.requests) == [1, 1])
            try await ledger.close()
        }
    }

    @Test func migrationsRunOnceWhenReplicasStartTogether() async throws {
        try await Self.withFreshDatabase { location in
            let replicas = try await (0..<3).asyncMap { _ in try await PostgresLedger.open(location, logger: Self.logger) }
            #expect(try await replicas[0].schemaVersion() == 0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for replica in replicas { group.addTask { try await replica.migrate() } }
                try await group.waitForAll()
            }
            for replica in replicas { #expect(try await replica.schemaVersion() == PostgresLedger.migrations.count) }
            #expect(try await replicas[0].migrate(first: PostgresLedger.migrations.count) == 0)
            for replica in replicas { try await replica.close() }
        }
    }

    @Test func aKeyMadeOnOneReplicaIsSeenAndRevokedOnAnother() async throws {
        try await Self.withFreshDatabase { location in
            let a = try await PostgresLedger.open(location, logger: Self.logger)
            let c = try await PostgresLedger.open(location, logger: Self.logger)
            try await a.migrate()
            let key = VirtualKeyRecord(
                id: "key_1", tenant: "bank", hash: VirtualKey.hash("sy-secret"), budget: Budget(parsing: "5USD/day"),
                limits: RateLimits(requestsPerMinute: 60, tokensPerMinute: nil), allowedRoutes: ["chat", "embed"])
            try await a.insertKey(key)
            let seen = try #require(try await c.activeKeys().first)
            #expect(seen.id == "key_1" && seen.tenant == "bank" && seen.hash == key.hash)
            #expect(seen.budget == key.budget && seen.limits == key.limits && seen.allowedRoutes == ["chat", "embed"])
            #expect(try await c.revokeKey(id: "key_1"))
            #expect(try await c.revokeKey(id: "key_1") == false)
            #expect(try await a.activeKeys().isEmpty)
            #expect(try await a.allKeys().first?.revokedAt != nil)
            try await a.close()
            try await c.close()
        }
    }

    /// Pages of newest records (``NewestRecordsScenario``), through a tenant's dimension rows and the time index.
    @Test func newestRecordsPageThroughEveryRecordOnce() async throws {
        try await Self.withFreshDatabase { location in
            let ledger = try await PostgresLedger.open(location, logger: Self.logger)
            try await ledger.migrate()
            for (got, expected) in try await NewestRecordsScenario.run(on: ledger, make: { Self.record($0, tenant: $1, provider: $2) }) {
                #expect(got == expected)
            }
            try await ledger.close()
        }
    }

    /// A ledger of the version before cache writes, reasoning, price bands and cache savings
    /// (``FieldsAddedLaterScenario``) keeps its records and day totals through the upgrade.
    @Test func aLedgerFromBeforeTheLaterFieldsKeepsItsRecordsAndTotals() async throws {
        try await Self.withFreshDatabase { location in
            let ledger = try await PostgresLedger.open(location, logger: Self.logger)
            try await ledger.migrate()
            var upgraded: PostgresLedger?
            let result = try await FieldsAddedLaterScenario.run(
                on: ledger, make: { Self.record($0, tenant: $1) },
                downgrade: {
                    var statements = ["DROP VIEW usage_records", "DROP VIEW usage_daily_records"]
                    for field in FieldsAddedLaterScenario.laterFields {
                        statements.append("ALTER TABLE usage_attempts DROP COLUMN \(field.column)")
                        if field.summed { statements.append("ALTER TABLE usage_daily DROP COLUMN \(field.column)") }
                    }
                    for statement in statements { try await ledger.client.query(PostgresQuery(unsafeSQL: statement)) }
                    try await ledger.close()
                },
                upgrade: {
                    let reopened = try await PostgresLedger.open(location, logger: Self.logger)
                    try await reopened.migrate()
                    upgraded = reopened
                    return reopened
                })
            #expect(result.after.0.sorted { $0.id < $1.id } == result.before.0.sorted { $0.id < $1.id })
            #expect(result.after.1 == result.before.1 && !result.before.1.isEmpty)
            var fresh = Self.record("fresh", usage: TokenUsage(input: 1000, cacheWrite5m: 200, output: 10, reasoning: 4))
            fresh.time = result.before.0[0].time
            try await upgraded!.insertUsage([fresh])
            let rows = try await upgraded!.spend(SpendQuery(groupBy: [.tenant], filter: UsageFilter(tenant: "bank")))
            #expect(rows.first?.total("cache_write_5m_tokens") == 200 && rows.first?.total("reasoning_tokens") == 4)
            try await upgraded!.close()
        }
    }

    @Test func usageIsStoredOnceAndReportedExactly() async throws {
        try await Self.withFreshDatabase { location in
            let ledger = try await PostgresLedger.open(location, logger: Self.logger)
            try await ledger.migrate()
            var records = (0..<1000).map { index in
                Self.record(
                    "r\(index)", tenant: index % 3 == 0 ? "clinic" : "bank", provider: index % 5 == 0 ? "qwen" : "deepseek",
                    usage: TokenUsage(input: 1000 + index, cachedInput: index % 7, output: 500 + index),
                    day: index % 2 == 0 ? "2026-11-20" : "2026-11-21", ttft: index % 4 == 0 ? 35 : nil)
            }
            records.append(Self.record("no-fx", fxRate: nil))
            try await ledger.insertUsage(Array(records[0..<600]))
            // A replay overlapping what is stored adds only the rest.
            try await ledger.insertUsage(Array(records[400...]))
            try await ledger.checkWritable()

            let exported = try await ledger.usageRecords(UsageFilter())
            #expect(exported.count == records.count)
            #expect(Set(exported) == Set(records))

            let byTenant = try await ledger.spend(SpendQuery(groupBy: [.tenant]))
            for tenant in ["bank", "clinic"] {
                let mine = records.filter { $0.tenant == tenant && $0.reportingCostNanos != nil }
                let row = try #require(byTenant.first { $0.groups == [tenant] && $0.currency == "USD" })
                #expect(row.requests == mine.count)
                #expect(row.inputTokens == mine.map(\.inputTokens).reduce(0, +))
                #expect(row.cachedInputTokens == mine.map(\.cachedInputTokens).reduce(0, +))
                #expect(row.cost == Money.amount(nanos: mine.compactMap(\.reportingCostNanos).reduce(0, +)))
            }
            // A price without an exchange rate is totalled in its own currency.
            #expect(byTenant.contains { $0.groups == ["bank"] && $0.currency == "CNY" && $0.requests == 1 })

            let since = try Date("2026-11-21T00:00:00Z", strategy: .iso8601)
            let clinicDay = try await ledger.spend(
                SpendQuery(groupBy: [.day, .provider], filter: UsageFilter(since: since, tenant: "clinic")))
            #expect(clinicDay.map(\.groups) == [["2026-11-21", "deepseek"], ["2026-11-21", "qwen"]])
            #expect(clinicDay.map(\.requests).reduce(0, +) == records.filter { $0.tenant == "clinic" && $0.time >= since }.count)
            try await ledger.close()
        }
    }

    @Test func reportsOverWholeDaysReadTheDayTotalsAndAgreeWithTheRecords() async throws {
        try await Self.withFreshDatabase { location in
            let ledger = try await PostgresLedger.open(location, logger: Self.logger)
            try await ledger.migrate()
            let records = (0..<300).map { index in
                Self.record(
                    "d\(index)", tenant: ["bank", "clinic", "grid"][index % 3], provider: index % 4 == 0 ? "qwen" : "deepseek",
                    usage: TokenUsage(input: 900 + index, cachedInput: index % 5, output: 300 + index),
                    day: ["2026-10-30", "2026-11-20", "2026-11-21"][index % 3 == 0 ? 0 : index % 2 + 1],
                    fxRate: index % 10 == 0 ? nil : Decimal(string: "0.14"))
            }.map(FieldsAddedLaterScenario.asWrittenBefore)  // records from before the day totals predate the later fields too
            try await ledger.insertUsage(Array(records[..<100]))
            // Records stored before the day totals existed are totalled by their migration.
            let backfill = try #require(PostgresLedger.migrations.firstIndex { $0.contains("FROM usage_attempts GROUP BY") })
            try await ledger.client.query("DELETE FROM usage_daily")
            try await ledger.client.query(PostgresQuery(unsafeSQL: PostgresLedger.migrations[backfill]))
            try await ledger.insertUsage(Array(records[50...]))  // overlapping: nothing counted twice
            func time(_ text: String) throws -> Date { try Date(text, strategy: .iso8601) }
            let filters = [
                UsageFilter(), UsageFilter(since: try time("2026-11-01T00:00:00Z")),
                UsageFilter(since: try time("2026-11-01T00:00:00Z"), tenant: "clinic"),
                // Partial days at either end: day totals in the middle, records at the edges.
                UsageFilter(since: try time("2026-10-30T09:00:00Z"), until: try time("2026-11-21T11:00:00Z")),
                UsageFilter(since: try time("2026-11-20T11:00:00Z"), until: try time("2026-11-22T00:00:00Z"), tenant: "grid"),
                UsageFilter(since: try time("2026-11-21T09:00:00Z"), until: try time("2026-11-21T11:00:00Z")),
            ]
            for groupBy in [[], [SpendDimension.tenant, .provider, .day], [.month, .key], [.region, .model]] {
                for filter in filters {
                    let query = SpendQuery(groupBy: groupBy, filter: filter)
                    let report = try await ledger.spend(query)
                    #expect(report == (try await ledger.spend(query, from: .records)), "\(groupBy) \(filter)")
                    #expect(!report.isEmpty)
                }
            }
            let all = try await ledger.spend(SpendQuery(groupBy: []))
            #expect(all.map(\.requests).reduce(0, +) == 300)
            #expect(all.map(\.outputTokens).reduce(0, +) == records.map(\.outputTokens).reduce(0, +))
            try await ledger.close()
        }
    }

    @Test func aURLsPasswordStaysOutOfMessages() throws {
        let location = try PostgresLocation(url: "postgres://gateway:hunter2%21@db.internal:6543/ledger")
        #expect(location.port == 6543 && location.database == "ledger" && location.password == "hunter2!")
        #expect(!location.description.contains("hunter2"))
        for bad in [
            "postgres://gateway:hunter2@/ledger", "postgres://gateway:hunter2@db/", "postgres://:hunter2@db/ledger",
            "postgres://gateway:hunter2@db/ledger?sslmode=verify-full",
        ] {
            #expect(throws: PostgresLocationError.self) { try PostgresLocation(url: bad) }
            do { _ = try PostgresLocation(url: bad) } catch { #expect(!error.description.contains("hunter2")) }
        }
    }

    @Test func storedResponsesAreKeptPerTenantUntilTheyExpire() async throws {
        try await Self.withFreshDatabase { location in
            let ledger = try await PostgresLedger.open(location, logger: Self.logger)
            try await ledger.migrate()
            let now = Date()
            let kept = StoredResponse(
                id: "resp_1", tenant: "bank", createdAt: now, expiresAt: now.addingTimeInterval(3600),
                items: #"[{"role":"user","content":"hi"}]"#,
                inputCount: 1, response: #"{"id":"resp_1"}"#)
            try await ledger.saveResponse(kept)
            var expired = kept
            expired.id = "resp_2"
            expired.expiresAt = now.addingTimeInterval(-1)
            try await ledger.saveResponse(expired)
            #expect(try await ledger.storedResponse(id: "resp_1", tenant: "bank", now: now)?.items == kept.items)
            #expect(try await ledger.storedResponse(id: "resp_1", tenant: "clinic", now: now) == nil)
            #expect(try await ledger.storedResponse(id: "resp_2", tenant: "bank", now: now) == nil)
            #expect(try await ledger.deleteExpiredResponses(now: now) == 1)
            #expect(try await ledger.deleteStoredResponse(id: "resp_1", tenant: "clinic") == false)
            #expect(try await ledger.deleteStoredResponse(id: "resp_1", tenant: "bank"))
            try await ledger.close()
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
