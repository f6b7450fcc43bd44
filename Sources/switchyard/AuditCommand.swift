import ArgumentParser
import Foundation
import GatewayConfig
import Metering

/// `switchyard audit`: read and check the tamper-evident trail of administrative changes.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read and verify the audit trail of administrative changes.",
        subcommands: [Log.self, Verify.self])

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the audit trail, one JSON object per entry, oldest first.")

        @OptionGroup var routes: RoutesOptions

        @Option(help: "Start at this entry (1 is the first).")
        var from: Int64 = 1

        @Option(help: "At most this many entries.")
        var limit: Int = 1000

        func run() async throws {
            guard limit > 0, from > 0 else {
                printError("--from and --limit must be positive")
                throw ExitCode(2)
            }
            let configuration = try routes.load()
            let entries = try await withLedger(configuration.ledger) { [from, limit] ledger in
                try await AuditCommand.store(ledger).auditEntries(from: from, limit: limit)
            }
            for entry in entries {
                let object: [String: Any] = [
                    "sequence": entry.sequence, "time": UTCTimestamp.text(entry.time), "actor": entry.actor, "action": entry.action,
                    "subject": entry.subject, "detail": entry.detail, "source": entry.source, "previous_hash": entry.previousHash,
                    "hash": entry.hash,
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain; exit 1 naming the first entry that was edited, removed or inserted.")

        @OptionGroup var routes: RoutesOptions

        func run() async throws {
            let configuration = try routes.load()
            let (checked, found) = try await withLedger(configuration.ledger) { ledger in
                try await AuditChain.verify(AuditCommand.store(ledger))
            }
            if let found {
                printError("audit trail broken at \(found) (\(checked) entries before it hold)")
                throw ExitCode(1)
            }
            print("audit trail intact: \(checked) entries")
        }
    }

    static func store(_ ledger: any Ledger) throws -> any AuditStore {
        guard let store = ledger as? any AuditStore else { throw AuditError("this ledger keeps no audit trail") }
        return store
    }
}
