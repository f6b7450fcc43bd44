import GatewayModel
import NIOCore

/// Same dialect, streamed (Anthropic or Gemini callers on their own provider): the provider's
/// events go to the caller as they arrived — its own error events included, which are in the
/// caller's dialect — while a decoder alongside notes usage and the clean end.
///
/// The relay never fails on what it only reads: an event the decoder can't read costs only the
/// usage note (the record then falls back to the estimate).
struct DecodingRelay<Decoder: ChatStreamDecoding>: StreamTransform {
    private var decoder: Decoder
    private(set) var usage: TokenUsage?
    private(set) var contentPieces = 0
    private(set) var finishReasonName: String?

    init(decoder: Decoder) {
        self.decoder = decoder
    }

    mutating func transform(_ chunk: ByteBuffer) throws(DialectDecodingError) -> ByteBuffer {
        if let events = try? decoder.decode(chunk) {
            for event in events {
                switch event {
                case .usage(let seen): usage = seen
                case .textDelta, .toolCallArgumentsDelta: contentPieces += 1
                case .finish(let reason): finishReasonName = OpenAIResponseEncoding.finishReason(reason)
                default: break
                }
            }
        }
        return chunk
    }

    mutating func finish() -> ByteBuffer { ByteBuffer() }
    var isComplete: Bool { decoder.isComplete }
}
