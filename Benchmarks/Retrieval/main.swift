import Dialects
import Foundation
import GatewayModel
import JSONScanning

/// The CPU the gateway spends on one embeddings request of 1, 16 and 256 texts, without the
/// network: reading the app's request, passing it through (the provider's answer checked and its
/// usage read), and translating (a Gemini provider's answer decoded and written in OpenAI's
/// shape). Vectors of 1,024 dimensions, as base64 (what the openai SDK asks for) and as floats.
/// Prints microseconds per request (median of five runs).
///
///   swift run -c release RetrievalBenchmark [requests]
@main
enum RetrievalBenchmark {
    static func texts(_ count: Int) -> [String] {
        (0..<count).map { "maintenance note \($0) for substation \($0 % 7) of the northern grid" }
    }

    static func vector(_ seed: Int) -> [Float] {
        (0..<1024).map { Float(sin(Double($0 * 31 + seed))) / 32 }
    }

    static func openAIAnswer(_ count: Int, base64: Bool) -> [UInt8] {
        let request = try! OpenAIEmbeddingsRequest(
            body: Array(#"{"model":"m","input":"x","encoding_format":"\#(base64 ? "base64" : "float")"}"#.utf8))
        return request.encodeAnswer(EmbeddingAnswer(vectors: (0..<count).map(vector), usage: TokenUsage(input: 13 * count)), model: "m")
    }

    static func geminiAnswer(_ count: Int) -> [UInt8] {
        let values = (0..<count).map { "{\"values\":[" + vector($0).map { "\($0)" }.joined(separator: ",") + "]}" }
        return Array(#"{"embeddings":[\#(values.joined(separator: ","))]}"#.utf8)
    }

    static func main() {
        let rounds = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 200 : 200
        for count in [1, 16, 256] {
            let input = String(data: try! JSONSerialization.data(withJSONObject: texts(count)), encoding: .utf8)!
            let body = Array(#"{"model":"embed","encoding_format":"base64","input":\#(input)}"#.utf8)
            let request = try! OpenAIEmbeddingsRequest(body: body)
            let packed = openAIAnswer(count, base64: true)
            let floats = openAIAnswer(count, base64: false)
            let gemini = geminiAnswer(count)
            let repeats = max(1, rounds * 16 / count)
            print("\(count) texts (answer: \(packed.count / 1024) KB base64, \(floats.count / 1024) KB floats)")
            measure("  request read", repeats) { _ = try! OpenAIEmbeddingsRequest(body: body).request.inputCount }
            measure("  passed through: body", repeats) { _ = request.passThroughBody(upstreamModel: "text-embedding-3-small")?.count }
            measure("  passed through: base64 answer checked", repeats) { _ = try! request.passThroughUsage(in: packed) }
            measure("  passed through: float answer checked", repeats) { _ = try! request.passThroughUsage(in: floats) }
            measure("  translated: encoded for Gemini", repeats) {
                _ = try! GeminiEmbeddingDialect().encode(request.request, upstreamModel: "gemini-embedding-001").count
            }
            measure("  translated: Gemini answer decoded", repeats) {
                _ = try! GeminiEmbeddingDialect().decode(gemini, for: request.request).vectors.count
            }
            let numbers = ArraySlice(Array("[\(vector(0).map { "\($0)" }.joined(separator: ","))]".utf8))
            measure("  of which: numbers read, per vector", repeats) { _ = JSONNumbers.floats(numbers)?.count }
            let decoded = try! GeminiEmbeddingDialect().decode(gemini, for: request.request)
            measure("  translated: answer written as base64", repeats) { _ = request.encodeAnswer(decoded, model: "m").count }
        }
    }

    static func measure(_ name: String, _ repeats: Int, _ body: () -> Void) {
        var runs: [Double] = []
        for _ in 0..<5 {
            let start = ContinuousClock.now
            for _ in 0..<repeats { body() }
            let elapsed = ContinuousClock.now - start
            runs.append(
                (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(repeats))
        }
        print("\(name): \(String(format: "%.1f", runs.sorted()[2])) µs")
    }
}
