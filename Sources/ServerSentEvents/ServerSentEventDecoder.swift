public import NIOCore

/// Splits a byte stream into ``ServerSentEvent``s, whatever the chunk boundaries.
///
/// Follows the WHATWG event-stream rules that matter to LLM APIs: lines end in LF, CRLF or CR;
/// a blank line ends an event; `:` lines are comments; one optional space after the colon
/// is dropped. Comment-only blocks (keep-alives) are still returned so a proxy can forward them.
public struct ServerSentEventDecoder: Sendable {
    private var pending = ByteBuffer()
    /// A limit on one event's size, so a peer that never sends a blank line can't grow memory unbounded.
    public let maximumEventBytes: Int

    public init(maximumEventBytes: Int = 16 << 20) {
        self.maximumEventBytes = maximumEventBytes
    }

    public struct EventTooLarge: Error, Sendable {}

    /// How far into `pending` the search for an event's end has got, and whether the line
    /// being read there is still empty: each byte is looked at once, however the stream is
    /// chunked (rescanning from the start made a byte-at-a-time peer cost quadratic time).
    private var scan = Scan(offset: 0, lineIsEmpty: true)

    /// Bytes of the buffered, unfinished event already searched (for tests).
    var scannedBytes: Int { scan.offset }

    struct Scan {
        var offset: Int
        var lineIsEmpty: Bool
    }

    /// Feeds `chunk` and returns every event it completed.
    public mutating func feed(_ chunk: ByteBuffer) throws -> [ServerSentEvent] {
        if pending.readableBytes == 0 {
            pending = chunk
        } else {
            var chunk = chunk
            pending.writeBuffer(&chunk)
        }
        var events: [ServerSentEvent] = []
        while let end = Self.endOfEvent(in: pending, resuming: &scan) {
            let raw = pending.readSlice(length: end)!
            events.append(Self.parse(raw))
            scan = Scan(offset: 0, lineIsEmpty: true)
        }
        if pending.readableBytes > maximumEventBytes { throw EventTooLarge() }
        if pending.readableBytes == 0 { pending = ByteBuffer() }
        return events
    }

    /// Whatever is left when the stream ends without a final blank line, as one event.
    public mutating func finish() -> ServerSentEvent? {
        guard pending.readableBytes > 0 else { return nil }
        let raw = pending
        pending = ByteBuffer()
        scan = Scan(offset: 0, lineIsEmpty: true)
        let event = Self.parse(raw)
        return event.data.readableBytes > 0 || event.event != nil ? event : nil
    }

    /// Length of the first complete event (through its blank line), if one is buffered.
    static func endOfEvent(in buffer: ByteBuffer) -> Int? {
        var scan = Scan(offset: 0, lineIsEmpty: true)
        return endOfEvent(in: buffer, resuming: &scan)
    }

    /// The same, starting where `scan` left off and leaving it where this search stopped.
    static func endOfEvent(in buffer: ByteBuffer, resuming scan: inout Scan) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            var index = scan.offset
            var lineIsEmpty = scan.lineIsEmpty
            defer { scan = Scan(offset: index, lineIsEmpty: lineIsEmpty) }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x0A || byte == 0x0D {
                    var next = index + 1
                    if byte == 0x0D {
                        // A CR at the very end may be half of a CRLF: wait for more.
                        if next == bytes.count { return nil }
                        if bytes[next] == 0x0A { next += 1 }
                    }
                    if lineIsEmpty {
                        return next
                    }
                    lineIsEmpty = true
                    index = next
                } else {
                    lineIsEmpty = false
                    index += 1
                }
            }
            return nil
        }
    }

    static func parse(_ raw: ByteBuffer) -> ServerSentEvent {
        var event: String?
        var data = ByteBuffer()
        var dataLines = 0
        raw.withUnsafeReadableBytes { bytes in
            var lineStart = 0
            var index = 0
            func handleLine(_ line: Range<Int>) {
                guard !line.isEmpty, bytes[line.lowerBound] != UInt8(ascii: ":") else { return }
                var fieldEnd = line.lowerBound
                while fieldEnd < line.upperBound, bytes[fieldEnd] != UInt8(ascii: ":") { fieldEnd += 1 }
                var valueStart = min(fieldEnd + 1, line.upperBound)
                if valueStart < line.upperBound, bytes[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
                let field = UnsafeRawBufferPointer(rebasing: bytes[line.lowerBound..<fieldEnd])
                let value = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<line.upperBound])
                if field.elementsEqual("data".utf8) {
                    if dataLines > 0 { data.writeInteger(UInt8(0x0A)) }
                    data.writeBytes(value)
                    dataLines += 1
                } else if field.elementsEqual("event".utf8) {
                    event = String(decoding: value, as: UTF8.self)
                }
            }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x0A || byte == 0x0D {
                    handleLine(lineStart..<index)
                    if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                    index += 1
                    lineStart = index
                } else {
                    index += 1
                }
            }
            handleLine(lineStart..<index)
        }
        return ServerSentEvent(raw: raw, event: event, data: data)
    }
}
