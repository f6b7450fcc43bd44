import ArgumentParser
import Foundation
import GatewayConfig
import Metering

/// `switchyard ledger`: the usage records themselves — export them, import them, seal closed
/// days and check the seals.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "Read, import, seal and verify the usage ledger.",
        subcommands: [Export.self, Import.self, Seal.self, Verify.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write usage records as JSON lines or CSV, oldest first.")

        @OptionGroup var routes: RoutesOptions

        @Option(help: "jsonl or csv.")
        var format = "jsonl"

        @OptionGroup var range: LedgerRangeOptions

        func run() async throws {
            guard ["jsonl", "csv"].contains(format) else { throw ValidationError("--format must be jsonl or csv") }
            let filter = try LedgerQueryOptions.filter(since: range.since, until: range.until, tenant: range.tenant, key: nil)
            let configuration = try routes.load()
            let records = try await withLedger(configuration.ledger) { try await $0.usageRecords(filter) }
            print(format == "csv" ? UsageRecordExport.csv(records) : UsageRecordExport.jsonLines(records), terminator: "")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add usage records from JSON lines (`ledger export`'s shape): moving a ledger between databases.",
            discussion: """
                Records already stored (by id) are skipped, so an import can be run again. Nothing is \
                imported when any line is unreadable. The import is recorded in the audit trail; \
                records of a day already sealed make `ledger verify` name that day.
                """)

        @OptionGroup var routes: RoutesOptions

        @Argument(help: "The file to read, or - for standard input.")
        var file: String

        func run() async throws {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("can't read \(file)")
                }
                data = contents
            }
            let records: [UsageRecord]
            switch UsageRecordExport.records(fromJSONLines: data) {
            case .success(let read): records = read
            case .failure(let unreadable): throw ValidationError("\(file): \(unreadable); nothing was imported")
            }
            let configuration = try routes.load()
            try await withLedger(configuration.ledger) { ledger in
                for start in stride(from: 0, to: records.count, by: 5_000) {
                    try await ledger.insertUsage(Array(records[start..<min(start + 5_000, records.count)]))
                }
                let detail = ["records": String(records.count), "sha256": sha256Hex(Array(data))]
                try await AuditChain.record(AuditDraft(actor: "cli", action: .usageImported, subject: file, detail: detail), in: ledger)
            }
            print("imported \(records.count) records (those already stored were skipped)")
        }
    }

    struct Seal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal every closed UTC day not sealed yet now (a running gateway does it every 10 minutes).")

        @OptionGroup var routes: RoutesOptions

        func run() async throws {
            let configuration = try routes.load()
            let seals = try await withLedger(configuration.ledger) { try await LedgerSeals.sealClosedDays(in: $0, by: "cli") }
            for seal in seals { print("sealed \(seal.day): \(seal.records) records, \(seal.hash)") }
            if seals.isEmpty { print("no closed day left to seal") }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every sealed day; exit 1 naming the first day whose records changed since its seal.")

        @OptionGroup var routes: RoutesOptions

        func run() async throws {
            let configuration = try routes.load()
            let (checked, mismatch) = try await withLedger(configuration.ledger) { try await LedgerSeals.verify($0) }
            if let mismatch {
                printError("ledger doesn't match its seals at \(mismatch) (\(checked) sealed days before it hold)")
                throw ExitCode(1)
            }
            print("ledger matches its seals: \(checked) sealed days")
        }
    }
}
