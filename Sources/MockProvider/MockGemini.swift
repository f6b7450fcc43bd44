import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServerSentEvents

/// Gemini's `models/{model}:generateContent` and `:streamGenerateContent?alt=sse` as the mock
/// speaks them: `x-goog-api-key` authentication, Google's error envelope, and the same
/// deterministic tool behaviour as the other dialects (see ``MockToolCall``).
extension MockProvider {
    func generateContent(_ request: Request, call path: String) async throws -> Response {
        let body = try await request.body.collect(upTo: 32 << 20)
        let key = request.headers[HTTPField.Name("x-goog-api-key")!]
        log.append(.init(path: request.uri.path, authorization: key, body: String(buffer: body), headers: request.headers))
        guard let colon = path.lastIndex(of: ":") else {
            return Self.geminiError(.notFound, status: "NOT_FOUND", message: "expected models/{model}:generateContent")
        }
        let model = String(path[..<colon])
        let method = path[path.index(after: colon)...]
        guard ["generateContent", "streamGenerateContent", "embedContent", "batchEmbedContents"].contains(method) else {
            return Self.geminiError(.notFound, status: "NOT_FOUND", message: "unknown method \(method)")
        }
        if options.latencyMilliseconds > 0 { try await Task.sleep(for: .milliseconds(options.latencyMilliseconds)) }
        if let required = options.requiredKey, key != required {
            // As Google answers a bad key: 400, with the reason in the error details.
            return Self.geminiError(
                .badRequest, status: "INVALID_ARGUMENT", message: "API key not valid. Please pass a valid API key.",
                reason: "API_KEY_INVALID")
        }
        if options.failRate > 0, Double.random(in: 0..<1) < options.failRate {
            var response = Self.geminiError(
                .init(code: options.failStatus), status: options.failStatus == 429 ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE",
                message: "\(options.name) failed with \(options.failStatus) (simulated).")
            if let retryAfter = options.retryAfterSeconds { response.headers[.retryAfter] = String(retryAfter) }
            return response
        }
        if method.hasSuffix("mbedContent") || method.hasSuffix("mbedContents") {
            guard let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
                return Self.geminiError(.badRequest, status: "INVALID_ARGUMENT", message: "Invalid JSON payload received.")
            }
            return try await geminiEmbeddings(json, batch: method == "batchEmbedContents")
        }
        guard let raw = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)),
            let json = Self.protoJSONCamelCase(raw) as? [String: Any],
            let contents = json["contents"] as? [[String: Any]], !contents.isEmpty
        else {
            return Self.geminiError(.badRequest, status: "INVALID_ARGUMENT", message: "contents is required")
        }
        let parts = contents.map { $0["parts"] as? [[String: Any]] ?? [] }
        let requestText = parts.flatMap { $0 }.compactMap { $0["text"] as? String }.joined(separator: "\n")
        let maxTokens = (json["generationConfig"] as? [String: Any])?["maxOutputTokens"] as? Int
        var answer = MockAnswer(requestText: requestText, messageCount: contents.count, options: options, maxTokens: maxTokens)
        let functionResponse = parts.last?.compactMap { $0["functionResponse"] as? [String: Any] }.first
        if options.echo, functionResponse == nil {
            answer = answer.echoing((parts.last ?? []).compactMap { $0["text"] as? String }.joined())
        }
        if let functionResponse {
            let result = (functionResponse["response"] as? [String: Any])?["result"].map { "\($0)" } ?? ""
            answer = answer.prefixed(with: " tool said: \(result)")
        }
        let declaration = ((json["tools"] as? [[String: Any]])?.first?["functionDeclarations"] as? [[String: Any]])?.first
        let config = json["generationConfig"] as? [String: Any]
        let wantsJSON = config?["responseMimeType"] as? String == "application/json"
        if wantsJSON {
            let schema = (config?["responseJsonSchema"] ?? config?["responseSchema"]) as? [String: Any]
            answer = answer.structured(MockStructuredOutput.document(for: schema))
        }
        let call =
            functionResponse == nil && !wantsJSON
            ? declaration.map {
                MockToolCall(tool: $0, schemaKey: $0["parametersJsonSchema"] != nil ? "parametersJsonSchema" : "parameters")
            }
            : nil
        // A thinking budget (2.5 Flash's range) spends thought tokens, counted apart from the answer's.
        let thinkingBudget = (config?["thinkingConfig"] as? [String: Any])?["thinkingBudget"] as? Int
        if let thinkingBudget, !(0...24576).contains(thinkingBudget) {
            return Self.geminiError(
                .badRequest, status: "INVALID_ARGUMENT",
                message: "The thinking budget \(thinkingBudget) is invalid. Please choose a value between 0 and 24576.")
        }
        let thoughts = thinkingBudget.map { min($0, Self.thoughtTokens) } ?? 0
        let reported = options.reportedUsageObject
        let usage = { (output: Int) -> [String: Any] in
            if let reported { return reported }
            var usage: [String: Any] = [
                "promptTokenCount": answer.promptTokens, "candidatesTokenCount": output,
                "totalTokenCount": answer.promptTokens + output + thoughts,
            ]
            if thoughts > 0 { usage["thoughtsTokenCount"] = thoughts }
            return usage
        }
        let outputTokens = answer.completionTokens + (call == nil ? 0 : MockToolCall.outputTokens)
        let finish = answer.finishReason == "length" && call == nil ? "MAX_TOKENS" : "STOP"
        let responseID = "mock-\(UInt32.random(in: 0...UInt32.max))"
        func response(_ parts: [[String: Any]], finish: String?, usage: [String: Any]?) -> [String: Any] {
            var candidate: [String: Any] = ["content": ["role": "model", "parts": parts], "index": 0]
            if let finish { candidate["finishReason"] = finish }
            var object: [String: Any] = ["candidates": [candidate], "modelVersion": model, "responseId": responseID]
            if let usage { object["usageMetadata"] = usage }
            return object
        }
        var callPart: [[String: Any]] = []
        if let call { callPart = [["functionCall": ["name": call.name, "args": call.input]]] }
        guard method == "streamGenerateContent" else {
            try await Task.sleep(for: .milliseconds(max(0, options.timeToFirstTokenMilliseconds)))
            return Self.json(response([["text": answer.text]] + callPart, finish: finish, usage: usage(outputTokens)))
        }
        // Every event prepared up front (JSONSerialization values aren't Sendable); the body
        // only paces and writes them.
        var words: [[UInt8]] = []
        for (index, word) in answer.words.enumerated() {
            words.append(
                Array(try JSONSerialization.data(withJSONObject: response([["text": word]], finish: nil, usage: usage(index + 1)))))
        }
        var tail: [[UInt8]] = []
        if !callPart.isEmpty { tail.append(Array(try JSONSerialization.data(withJSONObject: response(callPart, finish: nil, usage: nil)))) }
        tail.append(Array(try JSONSerialization.data(withJSONObject: response([["text": ""]], finish: finish, usage: usage(outputTokens)))))
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        let (options, wordEvents, tailEvents) = (self.options, words, tail)
        let stream = ResponseBody { writer in
            for (index, event) in wordEvents.enumerated() {
                if index == 0 {
                    if options.timeToFirstTokenMilliseconds > 0 {
                        try await Task.sleep(for: .milliseconds(options.timeToFirstTokenMilliseconds))
                    }
                } else if options.tokensPerSecond > 0 {
                    try await Task.sleep(for: .microseconds(1_000_000 / options.tokensPerSecond))
                }
                if let breakAfter = options.breakAfterTokens, index >= breakAfter { throw MockStreamBroken() }
                try await writer.write(ServerSentEventEncoder.encode(data: event))
            }
            for event in tailEvents { try await writer.write(ServerSentEventEncoder.encode(data: event)) }
            try await options.finishStream(&writer)
        }
        return Response(status: .ok, headers: headers, body: stream)
    }

    /// Thought tokens a thinking answer spends (at most its budget).
    static let thoughtTokens = 7

    static func geminiError(_ status: HTTPResponse.Status, status name: String, message: String, reason: String? = nil) -> Response {
        var error: [String: Any] = ["code": Int(status.code), "message": message, "status": name]
        if let reason {
            error["details"] = [["@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "googleapis.com"]]
        }
        var response = json(["error": error])
        response.status = status
        return response
    }

    /// Google reads proto3 JSON field names in lowerCamelCase or snake_case (google-genai sends
    /// some of each); the mock reads both by rewriting names to lowerCamelCase — never inside
    /// schemas, arguments or function responses, whose names are the caller's own.
    private static let callersOwnNames: Set = [
        "parametersJsonSchema", "parameters", "responseJsonSchema", "responseSchema", "args", "response",
    ]

    static func protoJSONCamelCase(_ value: Any) -> Any {
        if let array = value as? [Any] { return array.map(protoJSONCamelCase) }
        guard let object = value as? [String: Any] else { return value }
        var converted: [String: Any] = [:]
        for (key, member) in object {
            let words = key.split(separator: "_")
            let name =
                words.count > 1 ? String(words[0]) + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() : key
            converted[name] = callersOwnNames.contains(name) ? member : protoJSONCamelCase(member)
        }
        return converted
    }
}
