import Foundation
import Metering
import MeteringSQLite
import Testing

/// No answer goes unmetered: when the usage journal can't take a record the gateway fails
/// closed. Here the journal is full (the limit a long database outage would reach); a disk
/// without room for it fails the same way (`UsageLedgerTests.aJournalWithoutDiskSpaceIsRefused`).
@Suite struct MeteringFailureTests {
    /// A journal that can't hold even one record.
    static func fullJournal(_ body: @Sendable (LiveStack) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-full-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await LiveStack.run([.mock("alpha")], usageJournal: path, journalLimit: 100, body)
    }

    @Test func aFullJournalTurnsAnswersInto503() async throws {
        try await Self.fullJournal { stack in
            let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
            #expect(response.status == 503)
            #expect(response.body.contains("Usage metering is unavailable"))
            #expect(!response.body.contains("[alpha]"))
        }
    }

    @Test func aFullJournalEndsStreamsWithAnErrorInsteadOfTheirEnd() async throws {
        try await Self.fullJournal { stack in
            let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat(stream: true))
            let events = LiveStack.events(response.body)
            #expect(!events.contains("[DONE]"))
            #expect(events.last?.contains("Usage metering is unavailable") == true)
        }
    }

    @Test func requestsRefusedForAFullJournalAreRecordedAsRefusedNotCompleted() async throws {
        try await Self.fullJournal { stack in
            for stream in [false, false, true] {
                _ = try await stack.post("/v1/chat/completions", json: LiveStack.chat(stream: stream))
            }
            // Space returns (here: the database takes what the journal couldn't hold).
            try await stack.meter.commit()
            let records = try await stack.ledger.usageRecords(UsageFilter())
            #expect(records.count == 3)
            #expect(records.allSatisfy { $0.outcome == .refused }, "no tenant is billed a completed answer it never got")
            #expect(records.map(\.status).sorted() == [200, 503, 503])  // what each client saw: 503, or a stream cut short
            #expect(records.allSatisfy { $0.outputTokens == 16 && $0.usageSource == .provider }, "the provider's usage is kept")
        }
    }
}
