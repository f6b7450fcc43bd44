/// An embeddings request between dialects: the inputs in order and what the vectors should be.
public struct EmbeddingRequest: OperationRequest, Hashable {
    /// One text to embed: text, or token ids (which only OpenAI-style providers take).
    public enum Input: Sendable, Hashable {
        case text(String)
        case tokens([Int])
    }

    public var inputs: [Input]
    /// Fewer dimensions than the model gives (OpenAI's `dimensions`, Gemini's `outputDimensionality`).
    public var dimensions: Int?
    /// Gemini's `taskType` (`RETRIEVAL_QUERY`, `RETRIEVAL_DOCUMENT`…); other providers have none.
    public var taskType: String?
    public var user: String?

    public init(inputs: [Input], dimensions: Int? = nil, taskType: String? = nil, user: String? = nil) {
        self.inputs = inputs
        self.dimensions = dimensions
        self.taskType = taskType
        self.user = user
    }

    public var inputCount: Int { inputs.count }

    public func batch(_ range: Range<Int>) -> EmbeddingRequest {
        var part = self
        part.inputs = Array(inputs[range])
        return part
    }

    public func merged(_ answers: [EmbeddingAnswer], batchSize: Int) -> EmbeddingAnswer {
        let usages = answers.compactMap(\.usage)
        return EmbeddingAnswer(
            vectors: answers.flatMap(\.vectors), usage: usages.count == answers.count ? TokenUsage.sum(usages) : nil)
    }

    /// About four bytes of text a token, or the token ids themselves: the input tokens when a
    /// provider reports none (Gemini's batch embeddings don't).
    public var estimatedTokens: Int { inputs.reduce(0) { $0.saturatingAdding(Self.estimatedTokens(of: $1)) } }

    /// The longest input's tokens, estimated alike: each input must fit the model's context alone.
    public var longestInputTokens: Int { inputs.map(Self.estimatedTokens(of:)).max() ?? 0 }

    static func estimatedTokens(of input: Input) -> Int {
        switch input {
        case .text(let text): TokenUsage.estimatedTokens(bytes: text.utf8.count)
        case .tokens(let ids): ids.count
        }
    }
}

/// Vectors in the order of the request's inputs.
public struct EmbeddingAnswer: OperationAnswer, Hashable {
    public var vectors: [[Float]]
    public var usage: TokenUsage?

    public init(vectors: [[Float]], usage: TokenUsage?) {
        self.vectors = vectors
        self.usage = usage
    }
}
