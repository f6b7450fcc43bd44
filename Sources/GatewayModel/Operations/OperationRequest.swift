/// A request of an API other than chat (embeddings, rerank) as the gateway carries it between
/// dialects: decoded once from the caller's, encoded per target, split into batches of inputs
/// when a provider takes fewer in one call, its batches' answers merged back in order.
public protocol OperationRequest: Sendable {
    associatedtype Answer: OperationAnswer
    /// The inputs a provider counts against its per-call limit (texts to embed, documents to rank).
    var inputCount: Int { get }
    /// The same request for the inputs in `range` only.
    func batch(_ range: Range<Int>) -> Self
    /// The answers to this request's batches of `size` inputs, in order, as one answer to it.
    func merged(_ answers: [Answer], batchSize: Int) -> Answer
}

/// What an operation's answer tells the ledger.
public protocol OperationAnswer: Sendable {
    /// As the provider reported it; nil when it reported none.
    var usage: TokenUsage? { get }
}

extension OperationRequest {
    /// This request in batches of at most `size` inputs (itself when it fits).
    public func batches(of size: Int?) -> [Self] {
        guard let size, size > 0, inputCount > size else { return [self] }
        return stride(from: 0, to: inputCount, by: size).map { batch($0..<min($0 + size, inputCount)) }
    }
}
