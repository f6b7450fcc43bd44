import Dialects
import GatewayModel

/// How one attempt talks to its provider: the bodies it sends, and how the provider's answers
/// become the caller's — passed through, or translated by the provider's dialect.
struct Exchange: Sendable {
    /// One body per upstream call: one, unless an operation's inputs are split into batches.
    let bodies: [[UInt8]]
    /// The provider endpoint the bodies go to.
    let operation: UpstreamOperation
    /// Wire names of client parameters the target can't honour, for `x-switchyard-dropped`.
    let dropped: [String]
    /// The caller's answer from the provider's whole answers, one per body, in order.
    let answer: @Sendable ([[UInt8]]) throws(DialectDecodingError) -> ExchangedAnswer
    /// A fresh relay for a streamed answer (the chat APIs).
    let relay: (@Sendable () -> any StreamTransform)?
    /// Reads why a passed-through answer ended (``ExchangedAnswer/finishReasonName``), only for
    /// a trace: the pass-through path doesn't decode answers otherwise.
    var finishReason: (@Sendable ([UInt8]) -> String?)? = nil
}

/// A whole answer made for the caller, and what it tells the ledger.
struct ExchangedAnswer: Sendable {
    /// The caller's bytes; nil: the provider's own, as they came.
    var output: [UInt8]?
    /// As the provider reported it; nil when it didn't (the ledger then records an estimate).
    var usage: TokenUsage?
    /// Output tokens estimated from the answer, for when `usage` is nil.
    var estimatedOutput: Int
    /// Why a translated answer ended, in OpenAI's words (a trace's `gen_ai.response.finish_reasons`).
    var finishReasonName: String? = nil
}
