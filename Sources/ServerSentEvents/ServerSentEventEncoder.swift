public import NIOCore

/// Writes events in `text/event-stream` framing.
public enum ServerSentEventEncoder {
    /// `event: NAME\ndata: …\n\n`, splitting multi-line data into several `data:` lines.
    public static func encode(data: some Collection<UInt8>, event: String? = nil, into buffer: inout ByteBuffer) {
        if let event {
            buffer.writeString("event: ")
            buffer.writeString(event)
            buffer.writeInteger(UInt8(0x0A))
        }
        var lineStart = data.startIndex
        var index = data.startIndex
        while index != data.endIndex {
            if data[index] == 0x0A {
                buffer.writeString("data: ")
                buffer.writeBytes(data[lineStart..<index])
                buffer.writeInteger(UInt8(0x0A))
                lineStart = data.index(after: index)
            }
            index = data.index(after: index)
        }
        buffer.writeString("data: ")
        buffer.writeBytes(data[lineStart..<index])
        buffer.writeString("\n\n")
    }

    public static func encode(data: some Collection<UInt8>, event: String? = nil) -> ByteBuffer {
        var buffer = ByteBuffer()
        encode(data: data, event: event, into: &buffer)
        return buffer
    }
}
