public import NIOCore

/// One event of a `text/event-stream`, with the bytes it arrived as.
///
/// Keeping `raw` lets a proxy forward an event untouched (no re-encoding) after
/// inspecting its `data`.
public struct ServerSentEvent: Sendable, Equatable {
    /// The event exactly as received, including its terminating blank line.
    public var raw: ByteBuffer
    /// The `event:` field, if any.
    public var event: String?
    /// The `data:` lines joined with `\n`, as the spec says; empty when the event had none.
    public var data: ByteBuffer

    public init(raw: ByteBuffer, event: String?, data: ByteBuffer) {
        self.raw = raw
        self.event = event
        self.data = data
    }

    /// True for OpenAI's end-of-stream sentinel `data: [DONE]`.
    public var isDoneSentinel: Bool {
        data.readableBytes == 6 && data.readableBytesView.elementsEqual("[DONE]".utf8)
    }
}
