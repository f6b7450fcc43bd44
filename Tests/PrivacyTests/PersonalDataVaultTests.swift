import Dialects
import GatewayModel
import NIOCore
import Testing

@testable import Privacy

@Suite struct PersonalDataVaultTests {
    @Test func masksWithStablePlaceholdersAndRestores() {
        var vault = PersonalDataVault()
        let text = "Mail a@example.com or b@example.com; again a@example.com; call 13812345678."
        let masked = vault.mask(text)
        #expect(masked == "Mail [EMAIL_1] or [EMAIL_2]; again [EMAIL_1]; call [PHONE_1].")
        #expect(vault.kinds == [.email, .phone])
        #expect(vault.restore(masked) == text)
    }

    @Test func restoresOnlyItsOwnPlaceholders() {
        var vault = PersonalDataVault()
        _ = vault.mask("a@example.com")
        #expect(vault.restore("[EMAIL_1] [EMAIL_2] [x] [") == "a@example.com [EMAIL_2] [x] [")
    }

    @Test func textWithoutPersonalDataIsUntouched() {
        var vault = PersonalDataVault()
        #expect(vault.mask("Summarise the quarterly report.") == "Summarise the quarterly report.")
        #expect(vault.isEmpty)
    }

    @Test func masksEveryTextOfARequest() {
        var vault = PersonalDataVault()
        let request = ChatRequest(
            model: "m", system: ["Customer mail: c@example.com"],
            messages: [
                ChatMessage(role: .user, content: [.text("My card is 6222021234567890128"), .image(.url("https://x/y.png"))]),
                ChatMessage(
                    role: .assistant, content: [],
                    toolCalls: [ToolCall(id: "1", name: "lookup", arguments: #"{"phone":"13812345678"}"#)]),
                ChatMessage(role: .tool, content: [.text("owner id 11010519491231002X")], toolCallID: "1"),
            ])
        let masked = request.maskingPersonalData(into: &vault)
        #expect(masked.system == ["Customer mail: [EMAIL_1]"])
        #expect(masked.messages[0].content == [.text("My card is [BANK_CARD_1]"), .image(.url("https://x/y.png"))])
        #expect(masked.messages[1].toolCalls[0].arguments == #"{"phone":"[PHONE_1]"}"#)
        #expect(masked.messages[2].text == "owner id [ID_NUMBER_1]")
        let answer = ChatResponse(
            id: "r", model: "m", text: "Sent to [EMAIL_1].",
            toolCalls: [ToolCall(id: "2", name: "charge", arguments: #"{"card":"[BANK_CARD_1]"}"#)], finishReason: .stop,
            usage: TokenUsage(input: 1, output: 1))
        let restored = answer.restoringPersonalData(from: vault)
        #expect(restored.text == "Sent to c@example.com.")
        #expect(restored.toolCalls[0].arguments == #"{"card":"6222021234567890128"}"#)
    }

    /// A decoder that hands out scripted events, one batch per chunk.
    struct ScriptedDecoder: ChatStreamDecoding {
        var batches: [[ChatStreamEvent]]
        var isComplete: Bool { batches.isEmpty }
        mutating func decode(_ chunk: ByteBuffer) throws(DialectDecodingError) -> [ChatStreamEvent] { batches.removeFirst() }
    }

    @Test func streamRestoresPlaceholdersSplitAcrossDeltas() throws {
        var vault = PersonalDataVault()
        _ = vault.mask("x@example.com 13812345678")
        var decoder = RestoringStreamDecoder(
            wrapped: ScriptedDecoder(batches: [
                [.start(id: "1", model: "m"), .textDelta("Mail [EM")],
                [.textDelta("AIL_1"), .textDelta("] and [PHONE_1]. Arrays [1, 2] stay [")],
                [.textDelta("ok]"), .toolCallStart(index: 0, id: "c", name: "f"), .toolCallArgumentsDelta(index: 0, #"{"to":"[PHO"#)],
                [.toolCallArgumentsDelta(index: 0, #"NE_1]"}"#), .finish(.toolCalls)],
            ]), vault: vault)
        var text = ""
        var arguments = ""
        var events: [ChatStreamEvent] = []
        for _ in 0..<4 { events += try decoder.decode(ByteBuffer()) }
        events += decoder.finish()
        for event in events {
            if case .textDelta(let delta) = event { text += delta }
            if case .toolCallArgumentsDelta(_, let delta) = event { arguments += delta }
        }
        #expect(text == "Mail x@example.com and 13812345678. Arrays [1, 2] stay [ok]")
        #expect(arguments == #"{"to":"13812345678"}"#)
        #expect(events.last == .finish(.toolCalls))
        // Text held back is released before the tool call starts.
        let start = events.firstIndex(of: .toolCallStart(index: 0, id: "c", name: "f"))!
        #expect(events[..<start].contains(.textDelta("[ok]")))
    }

    @Test func heldTextIsReleasedAtTheEnd() throws {
        var vault = PersonalDataVault()
        _ = vault.mask("x@example.com")
        var decoder = RestoringStreamDecoder(wrapped: ScriptedDecoder(batches: [[.textDelta("see [EMAIL_")]]), vault: vault)
        #expect(try decoder.decode(ByteBuffer()) == [.textDelta("see ")])
        #expect(decoder.finish() == [.textDelta("[EMAIL_")])
    }
}
