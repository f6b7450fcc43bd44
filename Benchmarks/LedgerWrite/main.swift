// Ledger write rate: how many usage records per second the metering path takes — journal
// appends from many concurrent requests (what a request waits for), and batched commits into
// the database (what runs behind): SQLite, or PostgreSQL when LEDGER holds a postgres:// URL.
// Run: swift run -c release LedgerWriteBenchmark   (LEDGER=postgres://… RECORDS=200000 …)
import Foundation
import GatewayModel
import Logging
import Metering
import MeteringPostgres
import MeteringSQLite

@main
enum LedgerWriteBenchmark {
    static func record(_ index: Int) -> UsageRecord {
        UsageRecord(
            id: "req_\(index)-1", requestID: "req_\(index)", time: Date(), tenant: "bank", keyID: "key_bench", route: "chat",
            provider: "deepseek", model: "deepseek-chat", region: "cn", dialectIn: "openai", dialectOut: "openai", streamed: true,
            usage: TokenUsage(input: 1200, cachedInput: 200, output: 350), usageSource: .provider,
            price: ModelPrice(inputPerMillion: 2, outputPerMillion: 8, cachedInputPerMillion: Decimal(string: "0.5"), currency: "CNY"),
            reportingCurrency: "USD", fxRate: Decimal(string: "0.14"), ttftMilliseconds: 180, totalMilliseconds: 2400,
            status: 200, outcome: .completed, policy: "finance", piiMasked: 0)
    }

    static func main() async throws {
        let count = Int(ProcessInfo.processInfo.environment["RECORDS"] ?? "") ?? 50_000
        let concurrency = 64
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-ledger-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ledger.db").path
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let url = ProcessInfo.processInfo.environment["LEDGER"]
        let ledger: any Ledger =
            if let url {
                try await PostgresLedger.open(try PostgresLocation(url: url), logger: logger)
            } else {
                try await SQLiteLedger.open(path: path)
            }
        try await ledger.migrate()
        let before = try await ledger.spend(SpendQuery(groupBy: [])).reduce(0) { $0 + $1.requests }
        let meter = try UsageMeter(ledger: ledger, journalPath: path + "-usage-journal", logger: logger)
        let run = UUID().uuidString.prefix(8)
        let records = (0..<count).map { index in
            var record = record(index)
            record.id = "\(run)-\(index)"  // new ids on every run: a shared database keeps earlier runs
            return record
        }

        let clock = ContinuousClock()
        let appended = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<concurrency {
                    group.addTask {
                        for index in stride(from: worker, to: count, by: concurrency) { try meter.record(records[index]) }
                    }
                }
                try await group.waitForAll()
            }
        }
        let committed = try await clock.measure { try await meter.commit() }
        let stored = try await ledger.spend(SpendQuery(groupBy: [])).reduce(0) { $0 + $1.requests } - before
        try await ledger.close()
        precondition(stored == count, "stored \(stored) of \(count)")
        func rate(_ duration: Duration) -> Int {
            Int(Double(count) / (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18))
        }
        print(
            "RESULT records=\(count) concurrency=\(concurrency) journal_appends_per_s=\(rate(appended)) \(url == nil ? "sqlite" : "postgres")_commits_per_s=\(rate(committed))"
        )
    }
}
