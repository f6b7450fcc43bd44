import Foundation

/// The deterministic answer a mock gives: the same request always yields the same words and usage,
/// so tests can assert exact token counts end to end.
struct MockAnswer {
    let words: [String]
    let promptTokens: Int
    let finishReason: String

    static let vocabulary = [
        "switchyard", "routes", "every", "token", "to", "the", "cheapest", "provider", "that", "policy", "allows",
        "and", "meters", "it", "in", "a", "durable", "ledger", "while", "apps", "keep", "their", "own", "SDK",
    ]

    init(requestText: String, messageCount: Int, options: MockProviderOptions, maxTokens: Int?) {
        // FNV-1a: stable across processes, unlike Swift's seeded Hasher.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in requestText.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let limit = maxTokens.map { min($0, options.outputTokens) } ?? options.outputTokens
        var words: [String] = []
        for index in 0..<max(limit, 0) {
            if index == 0 {
                words.append("[\(options.name)]")
            } else {
                let pick = Int((hash >> UInt64(index % 48)) % UInt64(Self.vocabulary.count))
                words.append(" " + Self.vocabulary[(pick + index) % Self.vocabulary.count])
            }
        }
        self.words = words
        // About four characters a token, plus the per-message overhead chat formats add.
        self.promptTokens = max(1, requestText.utf8.count / 4) + 3 * messageCount
        self.finishReason = (maxTokens.map { $0 < options.outputTokens } ?? false) ? "length" : "stop"
    }

    init(words: [String], promptTokens: Int, finishReason: String) {
        self.words = words
        self.promptTokens = promptTokens
        self.finishReason = finishReason
    }

    /// The same answer with `text` after its first word (the mock's name), e.g. to quote a tool result.
    func prefixed(with text: String) -> MockAnswer {
        guard let first = words.first else { return self }
        return MockAnswer(words: [first, text] + words.dropFirst(), promptTokens: promptTokens, finishReason: finishReason)
    }

    /// The same answer quoting `text` after its first word, five characters a token — so a
    /// streamed quote arrives split at arbitrary places.
    func echoing(_ text: String) -> MockAnswer {
        guard let first = words.first else { return self }
        return MockAnswer(
            words: [first, " you said: "] + Self.pieces(of: text) + words.dropFirst(), promptTokens: promptTokens,
            finishReason: finishReason)
    }

    /// `text` in pieces of five characters, a token each.
    static func pieces(of text: String) -> [String] {
        var pieces: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            pieces.append(String(rest.prefix(5)))
            rest = rest.dropFirst(5)
        }
        return pieces
    }

    var text: String { words.joined() }
    var completionTokens: Int { words.count }
}
