import Testing

/// No answer goes unmetered: when the usage journal can't be written (here `/dev/full`, where
/// every write fails with ENOSPC, as on a full disk) the gateway fails closed.
@Suite struct MeteringFailureTests {
    @Test func aFullDiskTurnsAnswersInto503() async throws {
        try await LiveStack.run([.mock("alpha")], usageJournal: "/dev/full") { stack in
            let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
            #expect(response.status == 503)
            #expect(response.body.contains("Usage metering is unavailable"))
            #expect(!response.body.contains("[alpha]"))
        }
    }

    @Test func aFullDiskEndsStreamsWithAnErrorInsteadOfTheirEnd() async throws {
        try await LiveStack.run([.mock("alpha")], usageJournal: "/dev/full") { stack in
            let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat(stream: true))
            let events = LiveStack.events(response.body)
            #expect(!events.contains("[DONE]"))
            #expect(events.last?.contains("Usage metering is unavailable") == true)
        }
    }
}
