import Foundation
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
}
