import Foundation
public import Hummingbird
public import Logging
import NIOCore
import ServerSentEvents

/// An offline provider speaking OpenAI's chat completions (`/v1/chat/completions`), Responses
/// API (`/v1/responses`), legacy completions (`/v1/completions`) and embeddings
/// (`/v1/embeddings`), Anthropic's Messages API (`/v1/messages`), Gemini's `generateContent` and
/// embeddings (`/v1beta/models/{model}:…`), and rerank in Cohere's shape (`/v2/rerank`) and
/// DashScope's — JSON and SSE with usage.
///
/// A product feature, not only a fixture: with no provider keys set, `switchyard serve` starts
/// a few of these on loopback so routing, streaming and metering are visible offline. The
/// gateway reaches them over HTTP through the same adapter as real providers.
public struct MockProvider: Sendable {
    public let options: MockProviderOptions
    let log = MockRequestLog()

    public init(options: MockProviderOptions) {
        self.options = options
    }

    /// Requests received so far (most recent last, at most 200), as `GET /mock/requests` shows them.
    public var receivedRequests: [(authorization: String?, body: String)] {
        log.snapshot.entries.map { ($0.authorization, $0.body) }
    }

    /// How many requests arrived in all.
    public var receivedCount: Int { log.snapshot.total }

    /// A Hummingbird application serving the mock on `host:port` (port 0 picks a free one;
    /// `onServerRunning` receives the bound channel).
    public func application(
        host: String = "127.0.0.1", port: Int, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.post("/v1/chat/completions") { request, _ in self.malformedOr(try await self.chatCompletions(request)) }
        router.post("/chat/completions") { request, _ in self.malformedOr(try await self.chatCompletions(request)) }
        router.post("/v1/completions") { request, _ in self.malformedOr(try await self.completions(request)) }
        router.post("/v1/responses") { request, _ in self.malformedOr(try await self.responses(request)) }
        router.post("/responses") { request, _ in self.malformedOr(try await self.responses(request)) }
        router.post("/completions") { request, _ in self.malformedOr(try await self.completions(request)) }
        router.post("/v1/messages") { request, _ in self.malformedOr(try await self.messages(request)) }
        router.post("/v1/embeddings") { request, _ in self.malformedOr(try await self.embeddings(request)) }
        router.post("/embeddings") { request, _ in self.malformedOr(try await self.embeddings(request)) }
        router.post("/v2/rerank") { request, _ in self.malformedOr(try await self.rerank(request)) }
        router.post("/v1/rerank") { request, _ in self.malformedOr(try await self.rerank(request)) }
        router.post("/api/v1/services/rerank/text-rerank/text-rerank") { request, _ in
            self.malformedOr(try await self.dashScopeRerank(request))
        }
        router.post("/v1beta/models/:call") { request, context in
            self.malformedOr(try await self.generateContent(request, call: context.parameters.get("call") ?? ""))
        }
        router.get("/mock/requests") { _, _ in self.requestLog() }
        router.delete("/mock/requests") { _, _ -> HTTPResponse.Status in
            self.log.reset()
            return .noContent
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "switchyard-mock"),
            onServerRunning: onServerRunning,
            logger: logger)
    }

    /// Reads and logs an OpenAI-style request; answers for the mock instead when the key is
    /// wrong or a simulated failure is due.
    func openAIRequest(_ request: Request) async throws -> (body: ByteBuffer, refusal: Response?) {
        let body = try await request.body.collect(upTo: 32 << 20)
        let authorization = request.headers[.authorization]
        log.append(.init(path: request.uri.path, authorization: authorization, body: String(buffer: body), headers: request.headers))
        if options.latencyMilliseconds > 0 { try await Task.sleep(for: .milliseconds(options.latencyMilliseconds)) }
        if let required = options.requiredKey, authorization != "Bearer \(required)" {
            let refusal = Self.error(
                .unauthorized, type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided.")
            return (body, refusal)
        }
        if options.failRate > 0, Double.random(in: 0..<1) < options.failRate {
            var response = Self.error(
                .init(code: options.failStatus), type: options.failStatus == 429 ? "requests" : "server_error",
                code: options.failStatus == 429 ? "rate_limit_exceeded" : nil,
                message: "\(options.name) failed with \(options.failStatus) (simulated).")
            if let retryAfter = options.retryAfterSeconds { response.headers[.retryAfter] = String(retryAfter) }
            return (body, response)
        }
        return (body, nil)
    }

    func chatCompletions(_ request: Request) async throws -> Response {
        let (body, refusal) = try await openAIRequest(request)
        if let refusal { return refusal }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let model = json["model"] as? String, let messages = json["messages"] as? [[String: Any]]
        else {
            return Self.error(.badRequest, type: "invalid_request_error", code: nil, message: "Expected a chat completion request.")
        }
        let requestText = messages.map { Self.text(of: $0["content"]) }.joined(separator: "\n")
        let maxTokens = (json["max_completion_tokens"] as? Int) ?? (json["max_tokens"] as? Int)
        var answer = MockAnswer(requestText: requestText, messageCount: messages.count, options: options, maxTokens: maxTokens)
        // Tools: call the first one offered, unless the last turn is a tool's result (then quote it).
        let last = messages.last
        if last?["role"] as? String == "tool" {
            answer = answer.prefixed(with: " tool said: \(Self.text(of: last?["content"]))")
        }
        if options.echo, let user = messages.last(where: { $0["role"] as? String == "user" }) {
            answer = answer.echoing(Self.text(of: user["content"]))
        }
        let format = json["response_format"] as? [String: Any]
        let wantsJSON = ["json_object", "json_schema"].contains(format?["type"] as? String ?? "")
        if wantsJSON {
            let schema = (format?["json_schema"] as? [String: Any])?["schema"] as? [String: Any]
            answer = answer.structured(MockStructuredOutput.document(for: schema))
        }
        let call =
            last?["role"] as? String == "tool" || wantsJSON
            ? nil
            : (json["tools"] as? [[String: Any]])?.first.flatMap { $0["function"] as? [String: Any] }.map {
                MockToolCall(tool: $0, schemaKey: "parameters")
            }
        let id = "chatcmpl-\(options.name)-\(UInt32.random(in: 0...UInt32.max))"
        let created = Int(Date().timeIntervalSince1970)
        if json["stream"] as? Bool == true {
            let includeUsage = !options.omitUsage && (json["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
            return stream(answer, call: call, id: id, created: created, model: model, includeUsage: includeUsage)
        }
        try await pause(forTokens: answer.completionTokens, includingFirst: true)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let completion = MockWire.completion(
            answer, call: call, id: id, created: created, model: model, withUsage: !options.omitUsage,
            reportedUsage: options.reportedUsage)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: completion)))
    }

    private func stream(
        _ answer: MockAnswer, call: MockToolCall?, id: String, created: Int, model: String, includeUsage: Bool
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            let frame = MockWire.ChunkFrame(id: id, created: created, model: model, includeUsage: includeUsage)
            try await writer.write(Self.event(frame.roleChunk()))
            for (index, word) in answer.words.enumerated() {
                if index == 0 {
                    if options.timeToFirstTokenMilliseconds > 0 {
                        try await Task.sleep(for: .milliseconds(options.timeToFirstTokenMilliseconds))
                    }
                } else if options.tokensPerSecond > 0 {
                    try await Task.sleep(for: .microseconds(1_000_000 / options.tokensPerSecond))
                }
                if let breakAfter = options.breakAfterTokens, index >= breakAfter {
                    throw MockStreamBroken()
                }
                try await writer.write(Self.event(frame.contentChunk(word)))
            }
            if let call {
                for chunk in frame.toolCallChunks(call) { try await writer.write(Self.event(chunk)) }
            }
            try await writer.write(Self.event(frame.finishChunk(call == nil ? answer.finishReason : "tool_calls")))
            if includeUsage {
                try await writer.write(
                    Self.event(
                        frame.usageChunk(
                            answer, extraOutput: call == nil ? 0 : MockToolCall.outputTokens, reported: options.reportedUsage)))
            }
            try await writer.write(Self.event("[DONE]"))
            try await options.finishStream(&writer)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    func pause(forTokens count: Int, includingFirst: Bool) async throws {
        var milliseconds = includingFirst ? options.timeToFirstTokenMilliseconds : 0
        if options.tokensPerSecond > 0, count > 1 { milliseconds += (count - 1) * 1000 / options.tokensPerSecond }
        if milliseconds > 0 { try await Task.sleep(for: .milliseconds(milliseconds)) }
    }

    /// With `malformedAnswer`, a 200 with that body replaces the real answer.
    private func malformedOr(_ response: Response) -> Response {
        guard let malformed = options.malformedAnswer, response.status == .ok else { return response }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: malformed)))
    }

    private func requestLog() -> Response {
        let snapshot = log.snapshot
        let entries: [[String: Any]] = snapshot.entries.map {
            ["path": $0.path, "authorization": $0.authorization ?? NSNull(), "body": $0.body, "headers": $0.headers]
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["total": snapshot.total, "requests": entries])) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(of content: Any?) -> String {
        if let text = content as? String { return text }
        if let parts = content as? [[String: Any]] { return parts.compactMap { $0["text"] as? String }.joined(separator: " ") }
        return ""
    }

    static func event(_ data: String) -> ByteBuffer {
        ServerSentEventEncoder.encode(data: Array(data.utf8))
    }

    static func error(_ status: HTTPResponse.Status, type: String, code: String?, message: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let payload: [String: Any] = [
            "error": ["message": message, "type": type, "param": NSNull(), "code": code.map { $0 as Any } ?? NSNull()]
        ]
        let data = (try? JSONSerialization.data(withJSONObject: payload)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Thrown inside a stream to drop the connection mid-answer, as a failing provider would.
struct MockStreamBroken: Error {}
