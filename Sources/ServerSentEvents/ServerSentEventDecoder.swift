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
            while let lineBreak = LineBreaks.first(in: bytes, from: index) {
                if lineBreak > index { lineIsEmpty = false }
                // A CR at the very end may be half of a CRLF: wait for more.
                if bytes[lineBreak] == 0x0D, lineBreak + 1 == bytes.count {
                    index = lineBreak
                    return nil
                }
                index = LineBreaks.end(ofBreakAt: lineBreak, in: bytes)
                if lineIsEmpty { return index }
                lineIsEmpty = true
            }
            if index < bytes.count { lineIsEmpty = false }
            index = bytes.count
            return nil
        }
    }

    /// The event in `raw`: its `event:` field and its `data:` lines — one line's value as a
    /// slice of `raw` (no copy: the usual event has one), several joined by `\n`.
    static func parse(_ raw: ByteBuffer) -> ServerSentEvent {
        var event: String?
        var values: [Range<Int>] = []
        raw.withUnsafeReadableBytes { bytes in
            var lineStart = 0
            while true {
                let lineEnd = LineBreaks.first(in: bytes, from: lineStart) ?? bytes.count
                let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd])
                // Not empty, not a comment (`:`): `field: value`, or a field alone.
                if let first = line.first, first != UInt8(ascii: ":") {
                    let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
                    var valueStart = min(colon + 1, line.count)
                    if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
                    let field = UnsafeRawBufferPointer(rebasing: line[..<colon])
                    if Self.spells(field, "data") {
                        values.append((lineStart + valueStart)..<lineEnd)
                    } else if Self.spells(field, "event") {
                        event = String(decoding: line[valueStart...], as: UTF8.self)
                    }
                }
                guard lineEnd < bytes.count else { break }
                lineStart = LineBreaks.end(ofBreakAt: lineEnd, in: bytes)
            }
        }
        // The ranges were found in `raw`'s readable bytes: always within them.
        func slice(_ value: Range<Int>) -> ByteBuffer { raw.getSlice(at: raw.readerIndex + value.lowerBound, length: value.count)! }
        if values.count == 1 { return ServerSentEvent(raw: raw, event: event, data: slice(values[0])) }
        var joined = ByteBuffer()
        for (number, value) in values.enumerated() {
            if number > 0 { joined.writeInteger(UInt8(0x0A)) }
            joined.writeImmutableBuffer(slice(value))
        }
        return ServerSentEvent(raw: raw, event: event, data: joined)
    }

    /// Whether `field` is `name`, byte for byte.
    private static func spells(_ field: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        field.count == name.utf8CodeUnitCount
            && field.elementsEqual(UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }
}
