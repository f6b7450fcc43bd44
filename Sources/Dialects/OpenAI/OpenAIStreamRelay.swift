public import GatewayModel
import JSONScanning
public import NIOCore
import ServerSentEvents

/// Passes an upstream OpenAI SSE stream to an OpenAI client event by event, noting usage.
///
/// When the gateway added `stream_options.include_usage` on the client's behalf, the
/// usage-only final chunk (`choices: []`) is metered and then dropped, so the client sees
/// exactly the stream it asked for. Other events are forwarded as the bytes that arrived.
public struct OpenAIStreamRelay: Sendable {
    private var decoder = ServerSentEventDecoder()
    private let forwardUsageChunk: Bool
    public private(set) var usage: TokenUsage?
    /// Saw `data: [DONE]`: the upstream finished cleanly.
    public private(set) var sawDone = false
    public private(set) var eventCount = 0
    /// Chunks other than the usage chunk and `[DONE]` (role and finish chunks included).
    public private(set) var contentPieces = 0

    public init(clientWantsUsage: Bool) {
        self.forwardUsageChunk = clientWantsUsage
    }

    /// The bytes to forward for `chunk` (possibly empty while an event is incomplete).
    public mutating func relay(_ chunk: ByteBuffer) throws -> ByteBuffer {
        let events = try decoder.feed(chunk)
        return forward(events)
    }

    /// Flushes an unterminated final event when the upstream closes.
    public mutating func finish() -> ByteBuffer {
        guard let event = decoder.finish() else { return ByteBuffer() }
        return forward([event])
    }

    private mutating func forward(_ events: [ServerSentEvent]) -> ByteBuffer {
        var output = ByteBuffer()
        for event in events {
            eventCount += 1
            if event.isDoneSentinel {
                sawDone = true
            } else if let usageChunk = Self.usageChunk(in: event.data) {
                usage = usageChunk.usage
                if usageChunk.choicesEmpty && !forwardUsageChunk { continue }
            } else {
                contentPieces += 1
            }
            var raw = event.raw
            output.writeBuffer(&raw)
        }
        return output
    }

    /// Usage carried by a chunk, found by a byte search first so that ordinary
    /// content chunks (`"usage":null` or none) are never scanned as JSON.
    static func usageChunk(in data: ByteBuffer) -> (usage: TokenUsage, choicesEmpty: Bool)? {
        let mayCarryUsage = data.withUnsafeReadableBytes { bytes -> Bool in
            let key = Array(#""usage""#.utf8)
            var start = 0
            while let found = ByteSearch.firstIndex(of: key, in: bytes, from: start) {
                var cursor = found + key.count
                while cursor < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[cursor]) { cursor += 1 }
                if cursor < bytes.count, bytes[cursor] == UInt8(ascii: ":") {
                    cursor += 1
                    while cursor < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[cursor]) { cursor += 1 }
                    if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "{") { return true }
                }
                start = found + 1
            }
            return false
        }
        guard mayCarryUsage, let index = try? JSONObjectIndex(document: Array(data.readableBytesView)),
            let usage = TokenUsage(openAIUsageIn: index)
        else { return nil }
        return (usage, index.arrayCount("choices") ?? 0 == 0)
    }
}
