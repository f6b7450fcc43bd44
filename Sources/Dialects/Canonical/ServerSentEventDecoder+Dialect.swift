import NIOCore
import ServerSentEvents

extension ServerSentEventDecoder {
    /// The events `chunk` completes; a stream that isn't valid server-sent events (an event past
    /// the size bound) is a decoding error of the provider's answer.
    mutating func events(in chunk: ByteBuffer) throws(DialectDecodingError) -> [ServerSentEvent] {
        do {
            return try feed(chunk)
        } catch {
            throw DialectDecodingError("the stream is not valid server-sent events")
        }
    }
}
