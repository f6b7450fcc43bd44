public import GatewayModel
public import NIOCore
import ServerSentEvents

/// An inbound OpenAI API — chat completions, legacy completions, the Responses API, embeddings:
/// one wire format and OpenAI's error envelope, which a stream carries as a `data:` event (the
/// Responses API writes its own typed `error` event instead).
public protocol OpenAIInbound: InboundRequest {}

extension OpenAIInbound {
    public static var format: WireFormat { .openAI }

    public static func errorBody(_ error: GatewayError) -> [UInt8] { OpenAIErrorFormat.body(for: error) }

    public static func errorEvent(_ error: GatewayError) -> ByteBuffer {
        ServerSentEventEncoder.encode(data: OpenAIErrorFormat.body(for: error))
    }
}
