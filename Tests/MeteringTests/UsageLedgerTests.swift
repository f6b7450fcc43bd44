import Foundation
import GatewayModel
import LedgerTestSupport
import Logging
import SQLiteNIO
import Synchronization
import Testing

@testable import Metering
@testable import MeteringSQLite

@Suite struct UsageLedgerTests {
    static let logger = Logger(label: "test")

    static func record(
        _ id: String, tenant: String = "bank", provider: String = "deepseek", usage: TokenUsage = TokenUsage(input: 1000, output: 500),
        price: ModelPrice = ModelPrice(inputPerMillion: 2, outputPerMillion: 8, currency: "CNY"), day: String = "2026-11-20"
    ) -> UsageRecord {
        UsageRecord(
            id: id, requestID: "req_\(id)", time: try! Date(day + "T10:00:00Z", strategy: .iso8601), tenant: tenant,
            keyID: "key_\(tenant)", route: "chat", provider: provider, model: "\(provider)-chat", region: "cn", dialectIn: "openai",
            dialectOut: "openai", streamed: false, usage: usage, usageSource: .provider, price: price, reportingCurrency: "USD",
            fxRate: Decimal(string: "0.14"), ttftMilliseconds: nil, totalMilliseconds: 120, status: 200, outcome: .completed,
            policy: "", piiMasked: 0)
    }

    @Test func costIsExactDecimalInBothCurrencies() {
        let record = Self.record("a")
        // 1000 × 2 / 1M + 500 × 8 / 1M = 0.006 CNY; × 0.14 = 0.00084 USD.
        #expect(record.cost == Decimal(string: "0.006"))
        #expect(record.reportingCost == Decimal(string: "0.00084"))
        let tiny = Self.record(
            "b", usage: TokenUsage(input: 1, output: 0),
            price: ModelPrice(inputPerMillion: Decimal(string: "0.0375")!, outputPerMillion: 0, currency: "USD"))
        #expect(tiny.cost == Decimal(string: "0.000000038"))  // 3.75e-8 rounded to nano-units (banker's)
    }

    @Test func searchesArePricedPerThousand() {
        var record = UsageRecord(
            id: "s", requestID: "req_s", time: Date(), tenant: "bank", keyID: "key_bank", route: "rerank", provider: "cohere",
            model: "rerank-v3.5", region: "us", dialectIn: "cohere", dialectOut: "cohere", operation: "rerank", streamed: false,
            usage: TokenUsage(input: 1000, output: 0), searchUnits: 3, usageSource: .provider,
            price: ModelPrice(inputPerMillion: 0, outputPerMillion: 0, perThousandSearches: 2, currency: "USD"),
            reportingCurrency: "USD", fxRate: nil, ttftMilliseconds: nil, totalMilliseconds: 80, status: 200, outcome: .completed,
            policy: "", piiMasked: 0)
        #expect(record.cost == Decimal(string: "0.006"))  // 3 searches at $2 per 1,000
        #expect(record.perThousandSearchesNanos == 2_000_000_000)
        // Counts past any real bill saturate instead of overflowing.
        record = UsageRecord(
            id: "t", requestID: "req_t", time: Date(), tenant: "bank", keyID: "key_bank", route: "rerank", provider: "cohere",
            model: "rerank-v3.5", region: "us", dialectIn: "cohere", dialectOut: "cohere", streamed: false, usage: TokenUsage(),
            searchUnits: .max, usageSource: .provider,
            price: ModelPrice(inputPerMillion: 0, outputPerMillion: 0, perThousandSearches: 9_000_000_000, currency: "USD"),
            reportingCurrency: "USD", fxRate: nil, ttftMilliseconds: nil, totalMilliseconds: 80, status: 200, outcome: .completed,
            policy: "", piiMasked: 0)
        #expect(record.costNanos == .max)
    }

    @Test func journalLinesRoundTripExactly() throws {
        let record = Self.record(
            "c", price: ModelPrice(inputPerMillion: Decimal(string: "0.14")!, outputPerMillion: Decimal(string: "0.28")!, currency: "USD"))
        let line = UsageRecordExport.jsonLines([record])
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let decoded = try decoder.decode(UsageRecord.self, from: Data(line.utf8))
        #expect(decoded == record)
    }

    /// `usage_records`' columns as migrations 1–8 made them.
    static let columnsBeforeTheSplit = [
        "id", "request_id", "time", "tenant", "key_id", "route", "provider", "model", "region", "dialect_in", "dialect_out",
        "streamed", "input_tokens", "cached_input_tokens", "output_tokens", "usage_source", "input_per_mtok_nanos",
        "cached_input_per_mtok_nanos", "output_per_mtok_nanos", "currency", "cost_nanos", "reporting_currency",
        "reporting_cost_nanos", "ttft_ms", "total_ms", "status", "outcome", "policy", "pii_masked",
    ]

    /// A ledger written before records were split into attempts and dimensions (migrations
    /// 1–8) keeps every record, exactly, through the split.
    @Test func recordsSurviveTheSplitIntoAttemptsAndDimensions() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ledger.db").path
        var ledger = try await SQLiteLedger.open(path: path)
        try await ledger.migrate(first: 8)
        let records = (0..<20).map {
            Self.record("old\($0)", tenant: $0 % 2 == 0 ? "clinic" : "bank", provider: $0 % 5 == 0 ? "openai" : "deepseek")
        }
        for record in records {
            let values: [SQLiteData] = [
                .text(record.id), .text(record.requestID), .text(SQLiteLedger.timestamp(record.time)), .text(record.tenant),
                .text(record.keyID), .text(record.route), .text(record.provider), .text(record.model), .text(record.region),
                .text(record.dialectIn), .text(record.dialectOut), .integer(0), .integer(record.inputTokens),
                .integer(record.cachedInputTokens), .integer(record.outputTokens), .text(record.usageSource.rawValue),
                .integer(Int(record.inputPerMillionNanos)), .integer(Int(record.cachedInputPerMillionNanos)),
                .integer(Int(record.outputPerMillionNanos)), .text(record.currency), .integer(Int(record.costNanos)),
                .text(record.reportingCurrency), .integer(Int(record.reportingCostNanos!)), .null, .integer(record.totalMilliseconds),
                .integer(record.status), .text(record.outcome.rawValue), .text(record.policy), .integer(record.piiMasked),
            ]
            let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
            _ = try await ledger.query(
                "INSERT INTO usage_records (\(Self.columnsBeforeTheSplit.joined(separator: ", "))) VALUES (\(placeholders))", values)
        }
        try await ledger.close()

        ledger = try await SQLiteLedger.open(path: path)
        try await ledger.migrate()
        let stored = try await ledger.usageRecords(UsageFilter())
        // Fields declared since hold their standard values in records stored before them.
        let asStoredThen = records.map(FieldsAddedLaterScenario.asWrittenBefore)
        #expect(stored.sorted { $0.id < $1.id } == asStoredThen.sorted { $0.id < $1.id })
        let dimensions = try await ledger.query("SELECT COUNT(*) AS n FROM usage_dimensions").first?.column("n")?.integer
        #expect(dimensions == 4)  // {clinic, bank} × {openai, deepseek}
        // New records join the old ones, reusing their dimension rows.
        try await ledger.insertUsage([Self.record("new", tenant: "bank")])
        let bank = try await ledger.spend(SpendQuery(groupBy: [.tenant], filter: UsageFilter(tenant: "bank")))
        #expect(bank.first?.requests == 11)
        try await ledger.close()
    }

    @Test func spendSumsRecordsExactlyAndReplaysAreIdempotent() async throws {
        let ledger = try await SQLiteLedger.open(path: ":memory:")
        try await ledger.migrate()
        var records = (0..<1000).map { Self.record("r\($0)", tenant: $0 % 3 == 0 ? "clinic" : "bank") }
        records.append(
            Self.record(
                "usd", provider: "openai",
                price: ModelPrice(inputPerMillion: Decimal(string: "0.15")!, outputPerMillion: Decimal(string: "0.6")!, currency: "USD"),
                day: "2026-11-21"))
        try await ledger.insertUsage(records)
        try await ledger.insertUsage(Array(records.prefix(10)))  // a replay of records already stored
        let byTenant = try await ledger.spend(SpendQuery(groupBy: [.tenant]))
        let total = byTenant.reduce(Decimal(0)) { $0 + $1.cost }
        let expected = records.reduce(Decimal(0)) { $0 + $1.reportingCost! }
        #expect(total == expected)
        #expect(byTenant.map(\.requests).reduce(0, +) == 1001)
        #expect(byTenant.first { $0.groups == ["clinic"] }?.requests == 334)
        let byDay = try await ledger.spend(
            SpendQuery(groupBy: [.day, .provider], filter: UsageFilter(since: try Date("2026-11-21T00:00:00Z", strategy: .iso8601))))
        #expect(byDay.map(\.groups) == [["2026-11-21", "openai"]])
        #expect(byDay.first?.cost == Decimal(string: "0.00045"))  // 1000 × 0.15 + 500 × 0.6, per 1M
        let exported = try await ledger.usageRecords(UsageFilter(tenant: "clinic"))
        #expect(exported.count == 334)
        #expect(exported.first?.cost == records[0].cost)
        try await ledger.close()
    }

    /// A report from a time of day reads its whole days from the day totals and its partial days
    /// from the records: the sums, counts of failed and later attempts included, equal the records'.
    @Test func reportsFromDayTotalsEqualTheRecords() async throws {
        let ledger = try await SQLiteLedger.open(path: ":memory:")
        try await ledger.migrate()
        var records: [UsageRecord] = []
        for day in ["2026-11-19", "2026-11-20", "2026-11-21"] {
            for n in 0..<30 {
                var record = Self.record("\(day)-\(n)", tenant: n % 2 == 0 ? "bank" : "clinic", day: day)
                record.time += Double(n * 2000)  // 10:00 to the small hours of the next day
                if n % 7 == 0 { record.outcome = .failed }
                if n % 5 == 0 { record.attempt = 2 }
                records.append(record)
            }
        }
        // A batch that begins with records already stored (a replay cut short) counts only the
        // rest; one that is all replay counts nothing.
        try await ledger.insertUsage(Array(records.prefix(40)))
        try await ledger.insertUsage(records)
        try await ledger.insertUsage(Array(records.prefix(5)))
        let since = try Date("2026-11-19T12:00:00Z", strategy: .iso8601)
        let until = try Date("2026-11-21T15:00:00Z", strategy: .iso8601)
        let report = try await ledger.spend(SpendQuery(groupBy: [.tenant], filter: UsageFilter(since: since, until: until)))
        let selected = records.filter { $0.time >= since && $0.time < until }
        for tenant in ["bank", "clinic"] {
            let mine = selected.filter { $0.tenant == tenant }
            let row = try #require(report.first { $0.groups == [tenant] })
            #expect(row.requests == mine.count)
            #expect(row.cost == mine.reduce(Decimal(0)) { $0 + $1.reportingCost! })
            #expect(row.outputTokens == mine.reduce(0) { $0 + $1.outputTokens })
            #expect(row.failedAttempts == mine.filter { $0.outcome == .failed }.count)
            #expect(row.laterAttempts == mine.filter { $0.attempt > 1 }.count)
        }
        // The newest records first, a page at a time, each page after the last one's cursor.
        let first = try await ledger.latestUsageRecords(UsageFilter(tenant: "bank"), before: nil, limit: 10)
        let last = try #require(first.last)
        let second = try await ledger.latestUsageRecords(
            UsageFilter(tenant: "bank"), before: UsageCursor(time: last.time, id: last.id), limit: 10)
        let bank = records.filter { $0.tenant == "bank" }.sorted { ($0.time, $0.id) > ($1.time, $1.id) }
        #expect((first + second).map(\.id) == bank.prefix(20).map(\.id))
        try await ledger.close()
    }

    /// Pages of newest records (``NewestRecordsScenario``), through a tenant's dimension rows and the time index.
    @Test func newestRecordsPageThroughEveryRecordOnce() async throws {
        let ledger = try await SQLiteLedger.open(path: ":memory:")
        try await ledger.migrate()
        for (got, expected) in try await NewestRecordsScenario.run(on: ledger, make: { Self.record($0, tenant: $1, provider: $2) }) {
            #expect(got == expected)
        }
        try await ledger.close()
    }

    @Test func theJournalSurvivesAndIsReplayedOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ledger.db").path
        let journal = path + "-usage-journal"
        // A gateway that recorded three answers and died before committing them…
        do {
            let ledger = try await SQLiteLedger.open(path: path)
            try await ledger.migrate()
            let meter = try UsageMeter(ledger: ledger, journalPath: journal, logger: Self.logger)
            for id in ["j1", "j2", "j3"] { try meter.record(Self.record(id)) }
            #expect(meter.backlog == 3)
            try await ledger.close()
        }
        // …plus a torn line from a copy cut short, where the next record would have gone.
        let written = try #require(FileManager.default.contents(atPath: journal))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: journal))
        try handle.seek(toOffset: UInt64(try #require(written.lastIndex(of: UInt8(ascii: "\n"))) + 1))
        try handle.write(contentsOf: Data(#"{"id":"torn","#.utf8))
        try handle.close()
        // The next start replays them.
        let ledger = try await SQLiteLedger.open(path: path)
        try await ledger.migrate()
        let meter = try UsageMeter(ledger: ledger, journalPath: journal, logger: Self.logger)
        try await meter.replayJournal()
        #expect(try await ledger.usageRecords(UsageFilter()).map(\.id) == ["j1", "j2", "j3"])
        #expect(UsageJournal.readRecords(at: journal) == ([], 0))
        // New records are committed in a batch and the journal emptied.
        try meter.record(Self.record("j4"))
        try await meter.commit()
        #expect(try await ledger.usageRecords(UsageFilter()).count == 4)
        #expect(meter.backlog == 0)
        #expect(UsageJournal.readRecords(at: journal) == ([], 0))
        try await ledger.close()
    }

    /// Records that arrive while the periodic commit stores a batch that wasn't full wait for
    /// the next tick (a busy gateway commits few large batches, not a trail of small ones); a
    /// full batch is followed at once; `commit()` drains everything.
    @Test func thePeriodicCommitLeavesLateArrivalsForTheNextTick() async throws {
        final class Arrivals: Sendable {
            let meter = Mutex<UsageMeter?>(nil)
            let waiting = Mutex(["late"])
            /// A record arriving while a batch commits, once.
            func arrive() throws {
                guard let id = waiting.withLock({ $0.popLast() }), let meter = meter.withLock({ $0 }) else { return }
                try meter.record(UsageLedgerTests.record(id))
            }
        }
        let ledger = try await SQLiteLedger.open(path: ":memory:")
        try await ledger.migrate()
        let arrivals = Arrivals()
        let meter = try UsageMeter(ledger: ledger, journalPath: nil, batchSize: 2, logger: Self.logger) { _, _ in
            try? arrivals.arrive()
        }
        arrivals.meter.withLock { $0 = meter }
        try meter.record(Self.record("first"))
        try await meter.commit(untilPartialBatch: true)
        #expect(try await ledger.usageRecords(UsageFilter()).map(\.id) == ["first"])
        #expect(meter.backlog == 1)
        for id in ["a", "b", "c"] { try meter.record(Self.record(id)) }
        try await meter.commit(untilPartialBatch: true)  // [late, a] is full: [b, c] follows
        #expect(try await ledger.usageRecords(UsageFilter()).count == 5)
        #expect(meter.backlog == 0)
        arrivals.waiting.withLock { $0 = ["later"] }
        try meter.record(Self.record("d"))
        try await meter.commit()
        #expect(try await ledger.usageRecords(UsageFilter()).count == 7)
        #expect(meter.backlog == 0)
        try await ledger.close()
    }

    /// The meter tells the ledger how far behind it is — a full batch; `farBehindBatches` full
    /// batches or more waiting beyond it — so an embedded ledger leaves its core to requests
    /// less, or not at all, until it has caught up.
    @Test func theMeterSaysWhenTheLedgerIsBehind() async throws {
        let ledger = PaceRecordingLedger(try await SQLiteLedger.open(path: ":memory:"))
        try await ledger.migrate()
        let meter = try UsageMeter(ledger: ledger, journalPath: nil, batchSize: 3, logger: Self.logger)
        // Enough that the first batch has more than `farBehindBatches` full batches behind it.
        let waiting = 3 * UsagePace.farBehindBatches + 1
        for n in 0..<(3 + waiting) { try meter.record(Self.record("r\(n)")) }
        try await meter.commit()
        try meter.record(Self.record("alone"))
        try await meter.commit()
        for n in 0..<3 { try meter.record(Self.record("full\(n)")) }
        try await meter.commit()
        let behind = Array(repeating: PaceRecordingLedger.Batch(3, .behind), count: UsagePace.farBehindBatches)
        #expect(
            ledger.batches.withLock { $0 }
                == [.init(3, .farBehind)] + behind + [.init(1, .keepingUp), .init(1, .keepingUp), .init(3, .behind)])
        #expect(try await ledger.usageRecords(UsageFilter()).count == 3 + waiting + 1 + 3)
        try await ledger.close()
    }

    /// A line to import that ends where its 513th level opens (Foundation's decoder traps on it)
    /// is reported as unreadable, and the lines around it are read.
    @Test func anImportLineFoundationWouldTrapOnIsUnreadable() {
        var bytes: [UInt8] = []
        Self.record("before").appendJSONLine(to: &bytes)
        bytes += Array((String(repeating: "[", count: 513) + "\n").utf8)
        Self.record("after").appendJSONLine(to: &bytes)
        let lines = UsageRecordCoding.lines(of: bytes)
        #expect(lines.map(\.number) == [1, 2, 3])
        #expect((try? lines[0].record.get())?.id == "before" && (try? lines[2].record.get())?.id == "after")
        #expect((try? lines[1].record.get()) == nil)
    }

    @Test func theJournalGrowsKeepsOrderAndStartsOver() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-journal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ids = (0..<20).map { "g\($0)" }
        do {
            // One page holds about five records: the file has to double twice.
            let journal = try UsageJournal(path: path, initialCapacity: 4096)
            for id in ids { try journal.append(Self.record(id)) }
            #expect(journal.backlog == 20)
        }
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 16_384)
        #expect(UsageJournal.readRecords(at: path).records.map(\.id) == ids)
        // Reopened (a restart before the replay), it appends after what it holds.
        let journal = try UsageJournal(path: path, initialCapacity: 4096)
        try journal.append(Self.record("after"))
        #expect(UsageJournal.readRecords(at: path).records.map(\.id) == ids + ["after"])
        // Committed, it is zeroed and back to its first size; appends start over.
        let (batch, end) = journal.uncommittedRecords(limit: 100)
        #expect(batch.map(\.id) == ["after"])
        journal.markCommitted(before: end)
        #expect(UsageJournal.readRecords(at: path) == ([], 0))
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 4096)
        try journal.append(Self.record("next"))
        #expect(UsageJournal.readRecords(at: path).records.map(\.id) == ["next"])
    }

    /// Under sustained load a record always arrives while a batch commits, so the journal is
    /// never empty to start over: the uncommitted lines move to its front instead, and the file
    /// keeps its first size however long the load lasts.
    @Test func aJournalNeverEmptyStaysItsFirstSize() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-journal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // One page holds about five records.
        let journal = try UsageJournal(path: path, initialCapacity: 4096)
        var next = 0
        var waiting: [String] = []
        for _ in 0..<200 {
            for _ in 0..<3 {
                let id = "s\(next)"
                next += 1
                try journal.append(Self.record(id))
                waiting.append(id)
            }
            // The commit takes all but the newest record, which arrived during it.
            let (batch, end) = journal.uncommittedRecords(limit: waiting.count - 1)
            #expect(batch.map(\.id) == Array(waiting.dropLast()))
            journal.markCommitted(before: end)
            waiting = [waiting.last!]
            #expect(UsageJournal.readRecords(at: path) == ([Self.record(waiting[0])], 0))
        }
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 4096)
        // A backlog (the database was away) grows the file; committed a few at a time while
        // records keep arriving, what waits moves to the front once it is small, and the file
        // shrinks back.
        func arrive() throws {
            let id = "s\(next)"
            next += 1
            try journal.append(Self.record(id))
            waiting.append(id)
        }
        for _ in 0..<30 { try arrive() }
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0 > 4096)
        for _ in 0..<12 {
            let (batch, end) = journal.uncommittedRecords(limit: min(5, waiting.count - 1))
            journal.markCommitted(before: end)
            waiting.removeFirst(batch.count)
            try arrive()
            #expect(UsageJournal.readRecords(at: path).records.map(\.id).suffix(waiting.count) == waiting[...])
        }
        #expect(UsageJournal.readRecords(at: path).unreadable == 0)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 4096)
        // What is left still commits, and the file starts over.
        let (batch, end) = journal.uncommittedRecords(limit: 10)
        #expect(batch.map(\.id) == waiting)
        journal.markCommitted(before: end)
        #expect(UsageJournal.readRecords(at: path) == ([], 0))
    }

    /// Two gateways copying into one journal would overwrite each other's records.
    @Test func aJournalServesOneProcessAtATime() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-journal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try UsageJournal(path: path, initialCapacity: 4096)
        // flock locks belong to the open file, so a second open in this process is refused as another process's would be.
        #expect { try UsageJournal(path: path, initialCapacity: 4096) } throws: { error in
            "\(error)".contains("in use by another gateway")
        }
        withExtendedLifetime(first) {}
    }

    /// Disk space is reserved before records are copied in, so a full disk is an error here
    /// (`/dev/full` can't reserve any), never a crash at the copy.
    @Test func aJournalWithoutDiskSpaceIsRefused() {
        #expect(throws: JournalError.self) { try UsageJournal(path: "/dev/full") }
    }

    @Test func timestampsAndMoneyTextAreExact() {
        for seconds in [0.0, 951_782_400, 1_795_000_000.7, 4_102_444_799, 1_709_164_800] {  // incl. 2000-02-29, 2024-02-29
            let date = Date(timeIntervalSince1970: seconds)
            #expect(UTCTimestamp.text(date) == Date(timeIntervalSince1970: seconds.rounded(.down)).formatted(.iso8601))
        }
        var withMilliseconds: [UInt8] = []
        UTCTimestamp.append(Date(timeIntervalSince1970: 1_795_000_000.042), to: &withMilliseconds, milliseconds: true)
        #expect(String(decoding: withMilliseconds, as: UTF8.self) == "2026-11-18T11:06:40.042Z")
        #expect(Money.text(nanos: 1_500_000) == "0.0015")
        #expect(Money.text(nanos: 12_000_000_000) == "12")
        #expect(Money.text(nanos: 123_456_789_012) == "123.456789012")
        #expect(Money.text(nanos: -5) == "-0.000000005")
    }

    @Test func reportFormats() throws {
        let totals = ["input_tokens": 10, "output_tokens": 5, "search_units": 3, "cache_savings": 1_500_000]
        let row = SpendRow(
            groups: ["bank", "2026-11-20"], requests: 2, totals: UsageRecord.summedFields.map { totals[$0.name] ?? 0 },
            cost: Decimal(string: "0.000123456")!, currency: "USD")
        let json = SpendReportFormat.json.render([row], groupBy: [.tenant, .day])
        #expect(
            json
                == #"[{"tenant":"bank","day":"2026-11-20","requests":2,"input_tokens":10,"cached_input_tokens":0,"cache_write_5m_tokens":0,"cache_write_1h_tokens":0,"output_tokens":5,"reasoning_tokens":0,"search_units":3,"cache_savings":0.0015,"cost":0.000123456,"currency":"USD"}]"#
        )
        #expect(row.cacheSavings == Decimal(string: "0.0015")!)
        #expect(SpendReportFormat.csv.render([row], groupBy: [.tenant]).hasPrefix("tenant,requests,"))
        #expect(throws: SpendQueryError.self) { try SpendReportFormat.dimensions("tenant,colour") }
        #expect(SpendReportFormat.date("2026-11-02") != nil)
        #expect(SpendReportFormat.date("yesterday") == nil)
    }
}

extension UsageLedgerTests {
    /// A ledger of the version before cache writes, reasoning, price bands and cache savings
    /// (``FieldsAddedLaterScenario``) keeps its records and day totals through the upgrade.
    @Test func aLedgerFromBeforeTheLaterFieldsKeepsItsRecordsAndTotals() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ledger.db").path
        let ledger = try await SQLiteLedger.open(path: path)
        try await ledger.migrate()
        var upgraded: SQLiteLedger?
        let result = try await FieldsAddedLaterScenario.run(
            on: ledger, make: { Self.record($0, tenant: $1) },
            downgrade: {
                // The older version's schema: its views name the later columns, which it lacked.
                var statements = ["DROP VIEW usage_records", "DROP VIEW usage_daily_records"]
                for field in FieldsAddedLaterScenario.laterFields {
                    statements.append("ALTER TABLE usage_attempts DROP COLUMN \(field.column)")
                    if field.summed { statements.append("ALTER TABLE usage_daily DROP COLUMN \(field.column)") }
                }
                // Its day totals were kept by a trigger per record (a stand-in here): the upgrade drops
                // it, and keeps the totals rather than recounting them.
                statements.append("CREATE TRIGGER usage_daily_totals AFTER INSERT ON usage_attempts BEGIN SELECT 1; END")
                for statement in statements { _ = try await ledger.query(statement) }
                try await ledger.close()
            },
            upgrade: {
                let reopened = try await SQLiteLedger.open(path: path)
                try await reopened.migrate()
                upgraded = reopened
                return reopened
            })
        #expect(result.after.0.sorted { $0.id < $1.id } == result.before.0.sorted { $0.id < $1.id })
        #expect(result.after.1 == result.before.1 && !result.before.1.isEmpty)
        let columns = try await upgraded!.query("PRAGMA table_info(usage_attempts)").compactMap { $0.column("name")?.string }
        #expect(FieldsAddedLaterScenario.laterFields.allSatisfy { columns.contains($0.column) })
        // The inserter adds each batch to the totals now; a trigger left behind would count twice.
        #expect(try await upgraded!.query("SELECT name FROM sqlite_master WHERE type = 'trigger'").isEmpty)
        // New records are added to the kept totals.
        var fresh = Self.record("fresh", usage: TokenUsage(input: 1000, cacheWrite5m: 200, output: 10, reasoning: 4), day: "2026-09-22")
        fresh.time = result.before.0[29].time
        try await upgraded!.insertUsage([fresh])
        let rows = try await upgraded!.spend(SpendQuery(groupBy: [.tenant], filter: UsageFilter(tenant: "bank")))
        #expect(rows.first?.total("cache_write_5m_tokens") == 200 && rows.first?.total("reasoning_tokens") == 4)
        try await upgraded!.close()
    }
}

/// A ledger that notes the size of each batch of usage records it is given and the pace it was
/// told.
private final class PaceRecordingLedger: ForwardingLedger {
    struct Batch: Equatable, Sendable {
        let count: Int
        let pace: UsagePace
        init(_ count: Int, _ pace: UsagePace) { (self.count, self.pace) = (count, pace) }
    }
    let inner: any Ledger
    let batches = Mutex<[Batch]>([])
    init(_ inner: any Ledger) { self.inner = inner }
    func insertUsage(_ records: [UsageRecord], pace: UsagePace) async throws {
        batches.withLock { $0.append(Batch(records.count, pace)) }
        try await inner.insertUsage(records, pace: pace)
    }
}
