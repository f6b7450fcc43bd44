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
    /// The first choice's `finish_reason` as the provider wrote it (`stop`, `tool_calls`…).
    public private(set) var finishReasonName: String?

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
            if finishReasonName == nil, !event.isDoneSentinel { finishReasonName = Self.finishReason(in: event.data) }
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
        let mayCarryUsage = data.withUnsafeReadableBytes { bytes in
            valueStart(of: Self.usageKey, in: bytes).map { bytes[$0] == UInt8(ascii: "{") } ?? false
        }
        guard mayCarryUsage, let index = try? JSONObjectIndex(document: Array(data.readableBytesView)),
            let usage = TokenUsage(openAIUsageIn: index)
        else { return nil }
        return (usage, index.arrayCount("choices") ?? 0 == 0)
    }

    /// A chunk's `"finish_reason":"…"` (a string value: `null` in content chunks is passed over),
    /// by the same byte search.
    static func finishReason(in data: ByteBuffer) -> String? {
        data.withUnsafeReadableBytes { bytes in
            guard let start = valueStart(of: Self.finishReasonKey, in: bytes), bytes[start] == UInt8(ascii: "\"") else { return nil }
            guard let end = bytes[(start + 1)...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
            return String(decoding: bytes[(start + 1)..<end], as: UTF8.self)
        }
    }

    private static let usageKey = Array(#""usage""#.utf8)
    private static let finishReasonKey = Array(#""finish_reason""#.utf8)

    /// Where the value of the first `key` (quoted) followed by a colon begins, if any.
    private static func valueStart(of key: [UInt8], in bytes: UnsafeRawBufferPointer) -> Int? {
        var start = 0
        while let found = ByteSearch.firstIndex(of: key, in: bytes, from: start) {
            var cursor = found + key.count
            while cursor < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[cursor]) { cursor += 1 }
            if cursor < bytes.count, bytes[cursor] == UInt8(ascii: ":") {
                cursor += 1
                while cursor < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[cursor]) { cursor += 1 }
                if cursor < bytes.count { return cursor }
            }
            start = found + 1
        }
        return nil
    }
}
