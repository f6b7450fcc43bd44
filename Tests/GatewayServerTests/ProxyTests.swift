import AsyncHTTPClient
import Foundation
import MockProvider
import NIOCore
import NIOHTTP1
import Testing

/// The gateway over real loopback HTTP, against mock providers speaking OpenAI's wire format.
@Suite struct ProxyTests {
    @Test func nonStreamingAnswersPassThroughWithRoutingHeaders() async throws {
        try await LiveStack.run([.mock("alpha")]) { stack in
            let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
            #expect(response.status == 200)
            #expect(response.headers["x-switchyard-route"] == "chat")
            #expect(response.headers["x-switchyard-provider"] == "alpha")
            #expect(response.headers["x-switchyard-model"] == "alpha-model")
            #expect(response.headers["x-switchyard-request-id"]?.isEmpty == false)
            let json = try LiveStack.json(response.body)
            #expect(json["object"] as? String == "chat.completion")
            let usage = try #require(json["usage"] as? [String: Any])
            #expect(usage["completion_tokens"] as? Int == 16)

            // What the provider received: its own model id, its own key — never the client's.
            let received = try #require(stack.mocks["alpha"]?.receivedRequests.last)
            #expect(received.authorization == "Bearer sk-provider-alpha")
            #expect(try LiveStack.json(received.body)["model"] as? String == "alpha-upstream")
        }
    }

    @Test func streamsChunkByChunkAndHidesTheUsageChunkTheClientDidNotAskFor() async throws {
        try await LiveStack.run([.mock("alpha")]) { stack in
            let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat(stream: true))
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "text/event-stream")
            let events = LiveStack.events(response.body)
            #expect(events.last == "[DONE]")
            let expectedEvents = 19  // role, 16 tokens, finish, [DONE]
            #expect(events.count == expectedEvents)
            for event in events.dropLast() {
                let choices = try LiveStack.json(event)["choices"] as? [Any]
                #expect(choices?.isEmpty == false, "no usage-only chunk may reach this client")
            }
            let upstream = try LiveStack.json(try #require(stack.mocks["alpha"]?.receivedRequests.last).body)
            #expect((upstream["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        }
    }

    @Test func keepsTheUsageChunkWhenTheClientAskedForIt() async throws {
        try await LiveStack.run([.mock("alpha")]) { stack in
            let body = LiveStack.chat(stream: true, extra: #","stream_options":{"include_usage":true}"#)
            let response = try await stack.post("/v1/chat/completions", json: body)
            let events = LiveStack.events(response.body)
            let usageChunk = try LiveStack.json(events[events.count - 2])
            #expect((usageChunk["choices"] as? [Any])?.isEmpty == true)
            #expect((usageChunk["usage"] as? [String: Any])?["completion_tokens"] as? Int == 16)
        }
    }

    @Test func fallsBackToTheNextTargetBeforeTheFirstByte() async throws {
        try await LiveStack.run([.unreachable("down"), .mock("flaky", .init(failRate: 1)), .mock("good")]) { stack in
            for stream in [false, true] {
                let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat(stream: stream))
                #expect(response.status == 200)
                #expect(response.headers["x-switchyard-provider"] == "good")
                #expect(response.headers["x-switchyard-attempts"] == "3")
            }
            #expect(stack.mocks["flaky"]?.receivedCount == 2)
        }
    }

    @Test func aStreamThatBreaksAfterItsFirstByteEndsWithAnErrorEvent() async throws {
        try await LiveStack.run([.mock("broken", .init(breakAfterTokens: 0)), .mock("good")]) { stack in
            // The broken mock sends its role chunk, then drops: bytes arrived, so the gateway committed to it
            // and must end the stream with an error event rather than switch providers mid-answer.
            let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat(stream: true))
            #expect(response.status == 200)
            #expect(response.headers["x-switchyard-provider"] == "broken")
            let last = try LiveStack.json(try #require(LiveStack.events(response.body).last))
            let error = try #require(last["error"] as? [String: Any])
            #expect((error["message"] as? String)?.contains("broken") == true)
        }
    }

    @Test func anOpenCircuitSkipsTheFailingTarget() async throws {
        try await LiveStack.run([.mock("flaky", .init(failRate: 1)), .mock("good")]) { stack in
            for expectedAttempts in ["2", "2", "2", "1", "1"] {
                let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
                #expect(response.headers["x-switchyard-provider"] == "good")
                #expect(response.headers["x-switchyard-attempts"] == expectedAttempts)
            }
            // Three failures in a row opened flaky's circuit: the last two requests never reached it.
            #expect(stack.mocks["flaky"]?.receivedCount == 3)
        }
    }

    @Test func aRateLimitedOnlyProviderIsNotCalledAgainBeforeRetryAfter() async throws {
        try await LiveStack.run([.mock("busy", .init(failRate: 1, failStatus: 429, retryAfterSeconds: 30))]) { stack in
            _ = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
            let again = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
            #expect(again.status == 429)
            #expect(again.headers["retry-after"].flatMap(Int.init).map { (1...30).contains($0) } == true)
            #expect(again.body.contains("circuit open"))
            #expect(stack.mocks["busy"]?.receivedCount == 1)
        }
    }

    @Test func theLastFailureDecidesTheClientsError() async throws {
        try await LiveStack.run([.mock("busy", .init(failRate: 1, failStatus: 429, retryAfterSeconds: 7))]) { stack in
            let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
            #expect(response.status == 429)
            #expect(response.headers["retry-after"] == "7")
            let error = try #require(try LiveStack.json(response.body)["error"] as? [String: Any])
            #expect(error["type"] as? String == "rate_limit_error")
        }
        try await LiveStack.run([.mock("sick", .init(failRate: 1, failStatus: 500))]) { stack in
            let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
            #expect(response.status == 502)
            #expect(response.body.contains("'sick'"))
        }
        try await LiveStack.run([.unreachable("gone")]) { stack in
            let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat(stream: true))
            #expect(response.status == 502)
            #expect(response.body.contains("'gone'"))
        }
    }

    @Test func aSlowProviderTimesOutAs504() async throws {
        try await LiveStack.run([.mock("slow", .init(latencyMilliseconds: 3_000), readTimeoutMilliseconds: 300)]) { stack in
            let started = ContinuousClock.now
            let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
            #expect(response.status == 504)
            #expect(ContinuousClock.now - started < .seconds(2))
        }
    }

    @Test func rejectedProviderCredentialsBecomeA502ThatNeverShowsAKey() async throws {
        try await LiveStack.run([.mock("strict", .init(requiredKey: "the-right-key"))]) { stack in
            let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
            #expect(response.status == 502)
            #expect(response.body.contains("rejected the gateway's credentials"))
            #expect(!response.body.contains("sk-provider"))
            #expect(!response.body.contains(LiveStack.clientKey))
        }
    }

    @Test func anUpstreamRequestErrorIsNotRetriedElsewhere() async throws {
        try await LiveStack.run([.mock("picky", .init(failRate: 1, failStatus: 400)), .mock("good")]) { stack in
            let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
            #expect(response.status == 400)
            #expect(stack.mocks["good"]?.receivedCount == 0)
        }
    }
}

@Suite struct DisconnectTests {
    @Test func aClientLeavingMidStreamDoesNotHurtTheGateway() async throws {
        try await LiveStack.run([.mock("slow", .init(tokensPerSecond: 20))]) { stack in
            var request = HTTPClientRequest(url: stack.gatewayURL + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.headers.add(name: "authorization", value: "Bearer \(LiveStack.clientKey)")
            request.body = .bytes(ByteBuffer(string: LiveStack.chat(stream: true)))
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
            let reader = Task {
                let response = try await client.execute(request, timeout: .seconds(10))
                for try await _ in response.body { break }  // read the first chunk, then walk away
            }
            try await reader.value
            try await client.shutdown()  // closes the connection mid-stream

            let after = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
            #expect(after.status == 200)
        }
    }
}
