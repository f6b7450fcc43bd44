/// A rerank request between dialects: a query and the documents to order by relevance to it.
public struct RerankRequest: OperationRequest, Hashable {
    public var query: String
    public var documents: [String]
    /// Only the `topN` most relevant (nil: all).
    public var topN: Int?
    /// Answer each result with its document's text.
    public var returnDocuments: Bool

    public init(query: String, documents: [String], topN: Int? = nil, returnDocuments: Bool = false) {
        self.query = query
        self.documents = documents
        self.topN = topN
        self.returnDocuments = returnDocuments
    }

    public var inputCount: Int { documents.count }

    public func batch(_ range: Range<Int>) -> RerankRequest {
        var part = self
        part.documents = Array(documents[range])
        return part
    }

    /// A document's score doesn't depend on the others beside it (rerankers score each pair of
    /// query and document), so batches merge by score; each batch's own top N holds the whole's.
    public func merged(_ answers: [RerankAnswer], batchSize: Int) -> RerankAnswer {
        var results: [RerankResult] = []
        for (number, answer) in answers.enumerated() {
            let offset = number.saturatingMultiplied(by: batchSize)
            results += answer.results.map { RerankResult(index: $0.index.saturatingAdding(offset), relevanceScore: $0.relevanceScore) }
        }
        results.sort { ($0.relevanceScore, $1.index) > ($1.relevanceScore, $0.index) }
        if let topN, results.count > topN { results.removeSubrange(topN...) }
        let usages = answers.compactMap(\.usage)
        return RerankAnswer(results: results, usage: usages.count == answers.count ? TokenUsage.sum(usages) : nil)
    }

    /// Searches as Cohere bills them: one per query and hundred documents (or part of a hundred).
    public var estimatedSearches: Int { (documents.count + 99) / 100 }

    /// Query and documents at about four bytes a token: the input when a provider reports none.
    public var estimatedTokens: Int {
        documents.reduce(TokenUsage.estimatedTokens(bytes: query.utf8.count)) {
            $0.saturatingAdding(TokenUsage.estimatedTokens(bytes: $1.utf8.count))
        }
    }
}

/// The documents that ranked, most relevant first.
public struct RerankAnswer: OperationAnswer, Hashable {
    public var results: [RerankResult]
    public var usage: TokenUsage?

    public init(results: [RerankResult], usage: TokenUsage?) {
        self.results = results
        self.usage = usage
    }
}

/// One ranked document: its position in the request's `documents` and its score.
public struct RerankResult: Sendable, Hashable {
    public var index: Int
    public var relevanceScore: Double

    public init(index: Int, relevanceScore: Double) {
        self.index = index
        self.relevanceScore = relevanceScore
    }
}
