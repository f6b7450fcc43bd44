import Dialects
import Foundation
import GatewayConfig
import GatewayModel
import JSONScanning
import Metering
import NIOCore
import PropertyBased
import ServerSentEvents
import Testing

@testable import GatewayServer

/// Generated cases against every decoder a client, a provider or an operator can reach: each
/// must answer with a typed error or a value — never trap, hang or grow without bound. 20,000
/// cases each (over 100,000 in all) run in the test command; `FUZZ_CASES=N` runs N each. One at a
/// time: each keeps a core busy, and the tests that wait on timers elsewhere need the other.
@Suite(.serialized) struct DecoderFuzzTests {
    static let cases = ProcessInfo.processInfo.environment["FUZZ_CASES"].flatMap(Int.init) ?? 20_000

    static let openAIChat =
        #"{"model":"chat","messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}],"max_tokens":100,"max_completion_tokens":50,"n":1,"top_logprobs":2,"temperature":0.5,"top_p":1,"stream":true,"stream_options":{"include_usage":true},"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"auto","response_format":{"type":"json_object"},"stop":["x"]}"#
    static let openAIFields = [
        "model", "messages", "max_tokens", "max_completion_tokens", "n", "top_logprobs", "temperature", "top_p", "stream",
        "stream_options", "tools", "tool_choice", "response_format", "stop",
    ]
    static let openAICompletions =
        #"{"model":"chat","prompt":["hi"],"suffix":"!","max_tokens":16,"echo":true,"logprobs":2,"n":1,"best_of":1,"stop":"x","stream":true,"stream_options":{"include_usage":true},"temperature":0.5}"#
    static let completionsFields = [
        "model", "prompt", "suffix", "max_tokens", "echo", "logprobs", "n", "best_of", "stop", "stream", "stream_options",
        "temperature",
    ]
    static let responses =
        #"{"model":"chat","instructions":"be brief","input":[{"role":"user","content":[{"type":"input_text","text":"hi"},{"type":"input_image","image_url":"data:image/png;base64,AAAA"}]},{"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c1","output":"ok"},{"type":"reasoning","id":"r","summary":[]}],"max_output_tokens":64,"temperature":0.5,"top_p":1,"tools":[{"type":"function","name":"f","parameters":{"type":"object"}}],"tool_choice":"auto","parallel_tool_calls":false,"text":{"format":{"type":"json_schema","name":"x","schema":{"type":"object"}}},"stream":true,"metadata":{"a":"b"}}"#
    static let responsesFields = [
        "model", "instructions", "input", "max_output_tokens", "temperature", "top_p", "tools", "tool_choice", "parallel_tool_calls",
        "text", "stream", "metadata",
    ]
    static let anthropicMessages =
        #"{"model":"chat","max_tokens":64,"system":[{"type":"text","text":"be brief"}],"messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}],"stream":false,"temperature":0.2,"top_p":0.9,"stop_sequences":["x"],"tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"auto"},"metadata":{"user_id":"u"}}"#
    static let anthropicFields = [
        "model", "max_tokens", "system", "messages", "stream", "temperature", "top_p", "stop_sequences", "tools", "tool_choice",
        "metadata",
    ]

    @Test func openAIChatRequests() async {
        await propertyCheck(count: Self.cases, input: JSONMutation.inputs) { choice, position, value in
            let body = JSONMutation.mutate(Self.openAIChat, fields: Self.openAIFields, choice: choice, position: position, value: value)
            guard let request = try? OpenAIChatRequest(body: body) else { return }
            _ = request.routingFacts
            _ = request.upstreamBody(model: "upstream", requestStreamUsage: true)
            if let canonical = try? request.canonical() {
                for format in [WireFormat.openAI, .anthropic, .gemini] {
                    _ = try? ProviderDialects.dialect(for: format)?.encode(canonical, upstreamModel: "m", defaults: OutboundDefaults())
                }
            }
        }
    }

    @Test func openAICompletionsRequests() async {
        await propertyCheck(count: Self.cases, input: JSONMutation.inputs) { choice, position, value in
            let body = JSONMutation.mutate(
                Self.openAICompletions, fields: Self.completionsFields, choice: choice, position: position, value: value)
            guard let request = try? OpenAICompletionsRequest(body: body) else { return }
            _ = request.routingFacts
            _ = request.passThroughBody(upstreamModel: "upstream", requestStreamUsage: true)
            if let canonical = try? request.canonical() {
                _ = try? AnthropicDialect().encode(canonical, upstreamModel: "m", defaults: OutboundDefaults())
            }
        }
    }

    @Test func responsesRequests() async {
        await propertyCheck(count: Self.cases, input: JSONMutation.inputs) { choice, position, value in
            let body = JSONMutation.mutate(Self.responses, fields: Self.responsesFields, choice: choice, position: position, value: value)
            guard let request = try? ResponsesRequest(body: body) else { return }
            _ = request.routingFacts
            _ = request.passThroughBody(upstreamModel: "upstream", requestStreamUsage: true)
            if let canonical = try? request.canonical() {
                _ = try? GeminiDialect().encode(canonical, upstreamModel: "m", defaults: OutboundDefaults())
                _ = request.encodeAnswer(
                    ChatResponse(
                        id: "x", model: "m", text: "hi", finishReason: .stop, usage: TokenUsage(input: 1, cachedInput: 0, output: 1)))
            }
        }
    }

    @Test func anthropicMessagesRequests() async {
        await propertyCheck(count: Self.cases, input: JSONMutation.inputs) { choice, position, value in
            let body = JSONMutation.mutate(
                Self.anthropicMessages, fields: Self.anthropicFields, choice: choice, position: position, value: value)
            guard let request = try? AnthropicMessagesRequest(body: body) else { return }
            _ = request.routingFacts
            _ = request.estimatedInputTokens
            if let canonical = try? request.canonical() {
                _ = try? OpenAIDialect().encode(canonical, upstreamModel: "m", defaults: OutboundDefaults())
            }
        }
    }

    static let answers: [(WireFormat, String, [String])] = [
        (
            .openAI,
            #"{"id":"x","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"prompt_tokens_details":{"cached_tokens":1}}}"#,
            ["choices", "usage", "model", "id"]
        ),
        (
            .anthropic,
            #"{"id":"m","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"hi"},{"type":"tool_use","id":"t","name":"f","input":{}}],"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":7,"cache_read_input_tokens":1}}"#,
            ["content", "usage", "stop_reason", "model"]
        ),
        (
            .gemini,
            #"{"candidates":[{"content":{"role":"model","parts":[{"text":"hi"},{"functionCall":{"name":"f","args":{}}}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":7,"cachedContentTokenCount":1}}"#,
            ["candidates", "usageMetadata"]
        ),
    ]

    @Test func providerAnswersAndTheirUsage() async {
        await propertyCheck(count: Self.cases, input: JSONMutation.inputs) { choice, position, value in
            let (format, answer, fields) = Self.answers[value % Self.answers.count]
            let body = JSONMutation.mutate(answer, fields: fields, choice: choice, position: position, value: value / 3)
            if let response = try? ProviderDialects.dialect(for: format)?.decodeResponse(body) {
                #expect(response.usage.input >= 0 && response.usage.output >= 0 && response.usage.input <= TokenUsage.maximumCount)
                _ = OpenAIResponseEncoding.completion(response, model: "m")
                _ = AnthropicResponseEncoding.message(response, model: "m")
            }
            if let index = try? JSONObjectIndex(document: body) { _ = TokenUsage(openAIUsageIn: index) }
        }
    }

    static let streams: [(WireFormat, [String])] = [
        (
            .openAI,
            [
                #"{"choices":[{"index":0,"delta":{"role":"assistant","content":"hi"}}]}"#,
                #"{"choices":[],"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":-1}}"#, "[DONE]",
            ]
        ),
        (
            .anthropic,
            [
                #"{"type":"message_start","message":{"usage":{"input_tokens":5}}}"#,
                #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}"#,
                #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}"#, #"{"type":"message_stop"}"#,
            ]
        ),
        (
            .gemini,
            [
                #"{"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}"#,
                #"{"candidates":[{"content":{"parts":[{"text":""}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":7}}"#,
            ]
        ),
    ]

    @Test func providerStreamsChunkedAnyWay() async {
        await propertyCheck(count: Self.cases, input: JSONMutation.inputs) { choice, position, value in
            let (format, events) = Self.streams[value % Self.streams.count]
            let event = events[position % events.count]
            var mutated = events
            if event.hasPrefix("{") {
                mutated[position % events.count] = String(
                    decoding: JSONMutation.mutate(
                        event, fields: ["choices", "usage", "type", "delta", "candidates"], choice: choice, position: position / 3,
                        value: value / 3),
                    as: UTF8.self)
            }
            var stream = Array(mutated.map { "data: \($0)\n\n" }.joined().utf8)
            if choice == 8 { stream.insert(contentsOf: [0x0D, 0x0A, 0xFF, 0x3A], at: position % stream.count) }
            guard var decoder = ProviderDialects.dialect(for: format)?.makeStreamDecoder() else { return }
            for piece in Self.pieces(of: stream, size: 1 + value % 37) {
                guard (try? decoder.decode(piece)) != nil else { return }
            }
            _ = decoder.finish()
        }
    }

    /// `bytes` cut into buffers of `size` (the last one shorter), as a network would deliver them.
    static func pieces(of bytes: [UInt8], size: Int) -> [ByteBuffer] {
        stride(from: 0, to: bytes.count, by: size).map { ByteBuffer(bytes: bytes[$0..<min(bytes.count, $0 + size)]) }
    }

    @Test func serverSentEventsAndTheJSONScanner() async {
        await propertyCheck(count: Self.cases, input: zip(Gen<UInt8>.value(in: 0...255).array(of: 0...300), Gen.int(in: 1...64))) {
            bytes, piece in
            var decoder = ServerSentEventDecoder(maximumEventBytes: 1 << 16)
            for chunk in Self.pieces(of: bytes, size: piece) {
                guard (try? decoder.feed(chunk)) != nil else { break }
            }
            _ = decoder.finish()
            if let index = try? JSONObjectIndex(document: bytes) {
                for member in index.members {
                    _ = index.int(member.key)
                    _ = index.string(member.key)
                    _ = index.arrayCount(member.key)
                }
            }
        }
    }

    static let key = VirtualKey.generate()

    @Test func adminBodies() async {
        let key = #"{"tenant":"demo","budget":"5USD/day","rpm":60,"tpm":1000,"allowed_routes":["chat"]}"#
        let explain = #"{"model":"chat","tenant":"demo","prompt_tokens":10,"max_tokens":5,"needs":["tools"],"personal_data":["email"]}"#
        await propertyCheck(count: Self.cases, input: JSONMutation.inputs) { choice, position, value in
            let keyBody = JSONMutation.mutate(
                key, fields: ["tenant", "budget", "rpm", "tpm", "allowed_routes"], choice: choice, position: position, value: value)
            if let body = try? KeyCreationBody.decode(keyBody) {
                _ = try? KeyRequest(
                    tenant: body.tenant, budget: body.budget, rpm: body.rpm, tpm: body.tpm, allowedRoutes: body.allowedRoutes ?? []
                )
                .record(for: Self.key, tenants: ["demo"], routes: ["chat"], converts: { _ in true })
            }
            let explainBody = JSONMutation.mutate(
                explain, fields: ["model", "tenant", "prompt_tokens", "max_tokens", "needs", "personal_data"], choice: choice,
                position: position,
                value: value)
            _ = try? ExplainBody.decode(explainBody)
        }
    }

    static let configuration = """
        server: { host: 127.0.0.1, port: 9090, max_body_bytes: 8388608, header_timeout_ms: 10000, max_connections: 100 }
        ledger: sqlite:test.db
        admin_key: env:ADMIN
        currency: USD
        fx: { CNY: 0.14 }
        metering: { on_ledger_outage: keep_serving, outage_grace_ms: 3000, journal_limit_mb: 64 }
        providers:
          - name: alpha
            dialect: openai
            base_url: https://alpha.example/v1
            api_key: env:ALPHA
            region: cn
            retention: 30d
            read_timeout_ms: 30000
            default_max_tokens: 4096
            models:
              - { name: m, input_per_mtok: 1.5, output_per_mtok: 2, currency: CNY, context: 32768, capabilities: [tools] }
        routes:
          - { name: chat, strategy: cheapest, targets: [alpha/m], max_attempts: 2, hedge_after_ms: 500, expected_output_tokens: 100 }
        policies:
          - { name: p, regions: [cn], pii: mask, max_input_per_mtok: { amount: 5, currency: USD } }
        tenants:
          - { name: demo, policy: p, budget: { amount: 50, currency: USD, period: month }, limits: { rpm: 600, tpm: 100000 } }
        """

    /// The YAML loader, with a value anywhere replaced by an extreme (fewer cases: YAML is slower).
    @Test func routingConfiguration() async {
        let lines = Self.configuration.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let extremes = [
            "9223372036854775807", "-9223372036854775808", "-1", "1e308", ".nan", ".inf", "99999999999999999999", "''", "~", "[]",
            "{}", "&a [*a]", "!!binary AAAA", String(repeating: "[", count: 2000), "\"\u{0000}\"", "0x7fffffffffffffff",
        ]
        await propertyCheck(count: max(1, Self.cases / 10), input: zip(Gen.int(in: 0...1000), Gen.int(in: 0...1000), Gen.int(in: 0...100)))
        {
            line, column, value in
            var mutated = lines
            let index = line % mutated.count
            let text = mutated[index]
            // Replace what follows one of the line's colons (a value) with an extreme.
            let colons = text.indices.filter { text[$0] == ":" }
            if !colons.isEmpty {
                let colon = colons[column % colons.count]
                let rest = text[text.index(after: colon)...]
                let stop = rest.firstIndex { $0 == "," || $0 == "}" } ?? text.endIndex
                mutated[index] = String(text[...colon]) + " " + extremes[value % extremes.count] + String(text[stop...])
            } else {
                mutated[index] = extremes[value % extremes.count]
            }
            _ = try? ConfigurationLoader().load(sources: [(file: "Routes/gateway.yaml", text: mutated.joined(separator: "\n"))])
        }
    }
}
