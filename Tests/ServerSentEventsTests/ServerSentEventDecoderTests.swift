import NIOCore
import Testing

@testable import ServerSentEvents

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

extension ServerSentEventDecoderTests {
    /// Found by the fuzz tests: each feed rescanned the whole buffered event, so a peer sending
    /// one byte at a time cost quadratic time. The search now resumes where it stopped.
    @Test func theSearchForAnEventsEndResumesWhereItStopped() throws {
        var decoder = ServerSentEventDecoder()
        let event = Array("data: \(String(repeating: "x", count: 5_000))\r\n\r\n".utf8)
        for (index, byte) in event.enumerated() {
            let events = try decoder.feed(ByteBuffer(bytes: [byte]))
            if index < event.count - 1 {
                #expect(events.isEmpty)
                // Everything fed so far has been looked at once (a trailing CR waits for its LF).
                #expect(decoder.scannedBytes >= index)
            } else {
                #expect(events.count == 1)
                #expect(events.first?.data.readableBytes == 5_000)
            }
        }
    }
}
