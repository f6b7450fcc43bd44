import Dialects
import Foundation
import GatewayModel
import NIOCore

/// The CPU one streamed answer costs the gateway between provider and app, without the network:
/// an OpenAI chat stream of 16 content chunks (as the mock writes it) relayed to a chat app (bytes
/// pass through, usage noted) and translated into the Responses API's typed events; plus the
/// whole-answer (JSON) equivalents. Prints microseconds per answer (median of several runs).
///
///   swift run -c release StreamTranscodingBenchmark [answers]
@main
enum StreamTranscodingBenchmark {
    static let words = (0..<16).map { " word\($0)" }

    static func chunk(_ choices: String, usage: String = "null") -> String {
        #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764460800,"model":"bench-model","service_tier":"default","system_fingerprint":"fp_1","choices":\#(choices),"usage":\#(usage)}"#
    }

    /// The provider's stream, one network read per event.
    static let upstream: [ByteBuffer] = {
        var events = [
            chunk(#"[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]"#)
        ]
        for word in words {
            events.append(chunk(#"[{"index":0,"delta":{"content":"\#(word)"},"logprobs":null,"finish_reason":null}]"#))
        }
        events.append(chunk(#"[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]"#))
        events.append(chunk("[]", usage: #"{"prompt_tokens":12,"completion_tokens":16,"total_tokens":28}"#))
        return events.map { ByteBuffer(string: "data: \($0)\n\n") } + [ByteBuffer(string: "data: [DONE]\n\n")]
    }()

    static let answer = Array(
        #"{"id":"chatcmpl-1","object":"chat.completion","created":1764460800,"model":"bench-model","choices":[{"index":0,"message":{"role":"assistant","content":"\#(words.joined())","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":16,"total_tokens":28}}"#
            .utf8)

    static let question = #""Summarise the quarterly report in one line.""#
    static let chat = try! OpenAIChatRequest(
        body: Array(#"{"model":"chat","stream":true,"messages":[{"role":"user","content":\#(question)}]}"#.utf8))
    static let responses = try! ResponsesRequest(body: Array(#"{"model":"chat","stream":true,"input":\#(question)}"#.utf8))

    static func main() {
        let answers = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 20_000 : 20_000
        let dialect = OpenAIDialect()
        measure("chat stream, passed through", answers) { run(chat.passThroughStream()) }
        measure("Responses stream, translated", answers) {
            run(responses.translatingStream(from: dialect.makeStreamDecoder(), model: "bench-model"))
        }
        measure("  of which: the provider's chunks decoded", answers) {
            var decoder = dialect.makeStreamDecoder()
            var count = 0
            for chunk in upstream { count += try! decoder.decode(chunk).count }
            precondition(count > 0)
        }
        measure("chat stream, translated (decoded, encoded as chat)", answers) {
            run(chat.translatingStream(from: dialect.makeStreamDecoder(), model: "bench-model"))
        }
        measure("chat request, passed through", answers) {
            precondition(!chat.passThroughBody(upstreamModel: "bench-model", requestStreamUsage: true).isEmpty)
        }
        measure("Responses request, decoded and encoded as chat", answers) {
            let outbound = try! dialect.encode(try! responses.canonical(), upstreamModel: "bench-model", defaults: OutboundDefaults())
            precondition(!outbound.body.isEmpty)
        }
        measure("chat JSON, passed through", answers) { _ = try! chat.passThroughUsage(in: answer).map { $0.total } }
        measure("Responses JSON, translated", answers) {
            _ = responses.encodeAnswer(try! dialect.decodeResponse(answer)).count
        }
    }

    static func run(_ transform: any StreamTransform) {
        var transform = transform
        var bytes = 0
        for chunk in upstream { bytes += try! transform.transform(chunk).readableBytes }
        bytes += transform.finish().readableBytes
        precondition(bytes > 0 && transform.isComplete)
    }

    static func measure(_ name: String, _ answers: Int, _ body: () -> Void) {
        var runs: [Double] = []
        for _ in 0..<5 {
            let start = ContinuousClock.now
            for _ in 0..<answers { body() }
            let elapsed = ContinuousClock.now - start
            runs.append(
                Double(elapsed.components.attoseconds) / 1e12 / Double(answers) + Double(elapsed.components.seconds) * 1e6 / Double(answers)
            )
        }
        let median = runs.sorted()[runs.count / 2]
        print("\(name): \(String(format: "%.1f", median)) µs per answer")
    }
}
