import NIOCore
import ServerSentEvents
import Testing

@Suite struct ServerSentEventDecoderTests {
    func decodeAll(_ chunks: [String]) throws -> [ServerSentEvent] {
        var decoder = ServerSentEventDecoder()
        var events: [ServerSentEvent] = []
        for chunk in chunks { events += try decoder.feed(ByteBuffer(string: chunk)) }
        if let last = decoder.finish() { events.append(last) }
        return events
    }

    @Test func splitsEventsAcrossArbitraryChunkBoundaries() throws {
        let stream = "data: {\"a\":1}\n\nevent: ping\ndata: {}\n\ndata: [DONE]\n\n"
        let whole = try decodeAll([stream])
        for size in 1...7 {
            var chunks: [String] = []
            var rest = Substring(stream)
            while !rest.isEmpty {
                chunks.append(String(rest.prefix(size)))
                rest = rest.dropFirst(size)
            }
            let pieces = try decodeAll(chunks)
            #expect(pieces.map { String(buffer: $0.data) } == whole.map { String(buffer: $0.data) })
        }
        #expect(whole.map { String(buffer: $0.data) } == [#"{"a":1}"#, "{}", "[DONE]"])
        #expect(whole[1].event == "ping")
        #expect(whole[2].isDoneSentinel)
    }

    @Test func keepsRawBytesForPassThrough() throws {
        let events = try decodeAll(["data: x\r\n\r\n: keep-alive\n\n"])
        #expect(events.map { String(buffer: $0.raw) } == ["data: x\r\n\r\n", ": keep-alive\n\n"])
        #expect(String(buffer: events[1].data).isEmpty)
    }

    @Test func joinsMultiLineDataAndHandlesBareCR() throws {
        let events = try decodeAll(["data: a\rdata:b\r\r"])
        #expect(events.count == 1)
        #expect(String(buffer: events[0].data) == "a\nb")
    }

    @Test func waitsForTheSecondHalfOfACRLF() throws {
        var decoder = ServerSentEventDecoder()
        #expect(try decoder.feed(ByteBuffer(string: "data: x\r\n\r")).isEmpty)
        let events = try decoder.feed(ByteBuffer(string: "\n"))
        #expect(events.count == 1)
        #expect(String(buffer: events[0].raw) == "data: x\r\n\r\n")
    }

    @Test func boundsAnEventThatNeverEnds() {
        var decoder = ServerSentEventDecoder(maximumEventBytes: 64)
        #expect(throws: ServerSentEventDecoder.EventTooLarge.self) {
            _ = try decoder.feed(ByteBuffer(string: "data: " + String(repeating: "x", count: 100)))
        }
    }

    @Test func encoderSplitsMultiLineData() {
        let buffer = ServerSentEventEncoder.encode(data: Array("a\nb".utf8), event: "error")
        #expect(String(buffer: buffer) == "event: error\ndata: a\ndata: b\n\n")
    }
}
