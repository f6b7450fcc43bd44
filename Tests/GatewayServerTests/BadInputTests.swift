import Foundation
import Testing

/// Every bad request gets OpenAI's error JSON with the right status, and the gateway keeps serving.
@Suite struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var key: String? = LiveStack.clientKey
        var contentType = "application/json"
        var status: Int
        var code: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "malformed JSON", body: #"{"model":"chat""#, status: 400, code: "invalid_json"),
        Case(
            name: "missing model", body: #"{"messages":[{"role":"user","content":"x"}]}"#, status: 400, code: "missing_required_parameter"),
        Case(name: "unknown route", body: LiveStack.chat(model: "no-such-route"), status: 404, code: "model_not_found"),
        Case(name: "no key", body: LiveStack.chat(), key: nil, status: 401, code: "missing_api_key"),
        Case(name: "wrong key", body: LiveStack.chat(), key: "sy-wrong", status: 401, code: "invalid_api_key"),
        Case(name: "wrong content type", body: LiveStack.chat(), contentType: "text/plain", status: 415, code: "unsupported_media_type"),
        Case(
            name: "body over the limit", body: LiveStack.chat(extra: #","pad":"\#(String(repeating: "x", count: 5_000))""#), status: 413,
            code: "request_too_large"),
    ]

    @Test(arguments: cases)
    func answersInOpenAIsErrorFormat(_ testCase: Case) async throws {
        try await LiveStack.run([.mock("alpha")], maxBodyBytes: 4_096) { stack in
            let response = try await stack.post(
                "/v1/chat/completions", json: testCase.body, key: testCase.key, contentType: testCase.contentType)
            #expect(response.status == testCase.status)
            #expect(response.headers["content-type"] == "application/json")
            #expect(response.headers["x-switchyard-request-id"]?.isEmpty == false)
            let error = try #require(try LiveStack.json(response.body)["error"] as? [String: Any])
            #expect(error["code"] as? String == testCase.code)
            #expect((error["message"] as? String)?.isEmpty == false)
            #expect(error.keys.sorted() == ["code", "message", "param", "type"])

            let after = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
            #expect(after.status == 200, "the gateway keeps serving")
        }
    }

    @Test func unknownPathsAndProbes() async throws {
        try await LiveStack.run([.mock("alpha")]) { stack in
            #expect(try await stack.get("/v1/nothing").status == 404)
            #expect(try await stack.get("/healthz", key: nil).status == 200)
            let ready = try await stack.get("/readyz", key: nil)
            #expect(ready.status == 200)
            #expect(try LiveStack.json(ready.body)["status"] as? String == "ready")
            #expect(try await stack.get("/v1/models", key: nil).status == 401)
            let models = try await stack.get("/v1/models")
            let ids = (try LiveStack.json(models.body)["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == ["chat", "alpha/alpha-model"])
        }
    }
}
