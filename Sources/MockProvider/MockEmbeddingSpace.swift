import Foundation

/// The mock's embedding model: a text's vector is the normalised sum of one pseudo-random unit
/// direction per word (seeded by the word), so texts that share words are near and the same
/// text always gets the same vector — enough for a RAG demo to retrieve the right passage with
/// no provider at all. Relevance (rerank) is the cosine of two such vectors, mapped to 0…1.
enum MockEmbeddingSpace {
    /// The text's vector in `dimensions` dimensions (unit length; a text without words gets the
    /// first axis).
    static func vector(_ text: String, dimensions: Int) -> [Float] {
        var sum = [Double](repeating: 0, count: dimensions)
        for word in words(text) {
            var state = seed(word)
            for index in 0..<dimensions {
                sum[index] += Double(next(&state) >> 11) / Double(1 << 53) * 2 - 1
            }
        }
        let length = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard length > 0 else { return (0..<dimensions).map { $0 == 0 ? 1 : 0 } }
        return sum.map { Float($0 / length) }
    }

    /// How relevant `document` is to `query`: their vectors' cosine, from 0 (opposite) to 1.
    static func relevance(query: String, document: String) -> Double {
        let a = vector(query, dimensions: 256)
        let b = vector(document, dimensions: 256)
        let cosine = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        return ((cosine + 1) / 2 * 1_000_000).rounded() / 1_000_000
    }

    /// Tokens a text costs: about four bytes each, at least one.
    static func tokens(_ text: String) -> Int { max(1, text.utf8.count / 4) }

    static func words(_ text: String) -> [Substring] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }
    }

    /// FNV-1a of the word's bytes.
    private static func seed(_ word: Substring) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in word.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// splitmix64.
    private static func next(_ state: inout UInt64) -> UInt64 {
        state = state &+ 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// The dimensions a model gives unless asked for fewer: OpenAI's `-large` 3072, `-small`
    /// 1536, any other 1024.
    static func nativeDimensions(of model: String) -> Int {
        model.contains("large") ? 3072 : model.contains("small") ? 1536 : 1024
    }

    /// A vector as OpenAI's `encoding_format: base64` writes it: little-endian float32s.
    static func base64(_ vector: [Float]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
