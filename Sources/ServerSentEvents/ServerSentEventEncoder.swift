public import NIOCore

/// Writes events in `text/event-stream` framing.
///
/// Takes the data as `[UInt8]`, not any collection: a generic called from another module runs
/// unspecialised, a witness-table call per byte — it was most of what writing a translated
/// stream cost.
public enum ServerSentEventEncoder {
    /// `event: NAME\ndata: …\n\n`, splitting multi-line data into several `data:` lines.
    public static func encode(data: [UInt8], event: String? = nil, into buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: data.count + (event?.utf8.count ?? 0) + 16)
        if let event {
            buffer.writeStaticString("event: ")
            buffer.writeString(event)
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        var lineStart = 0
        while let newline = data[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
            buffer.writeStaticString("data: ")
            buffer.writeBytes(data[lineStart..<newline])
            buffer.writeInteger(UInt8(ascii: "\n"))
            lineStart = newline + 1
        }
        buffer.writeStaticString("data: ")
        buffer.writeBytes(data[lineStart...])
        buffer.writeStaticString("\n\n")
    }

    public static func encode(data: [UInt8], event: String? = nil) -> ByteBuffer {
        var buffer = ByteBuffer()
        encode(data: data, event: event, into: &buffer)
        return buffer
    }
}
