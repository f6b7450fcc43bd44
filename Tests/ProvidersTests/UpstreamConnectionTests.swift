import GatewayConfig
import GatewayModel
import Logging
import NIOCore
import Testing

@testable import Providers

/// The upstream client against a real loopback server that misbehaves on request.
@Suite struct UpstreamConnectionTests {
    static let logger = Logger(label: "test")

    /// Runs `body` with a scripted server and a client for a provider named `p` at `behaviour`.
    private func withUpstream(
        _ behaviour: String, readTimeoutMilliseconds: Int = 120_000, maxConnections: Int = 512,
        _ body: (ScriptedUpstream, UpstreamClients, UpstreamEndpoint) async throws -> Void
    ) async throws {
        let server = try await ScriptedUpstream.start()
        let provider = ProviderConfiguration(
            name: "p", dialect: .openAI, baseURL: server.baseURL(behaviour),
            readTimeoutMilliseconds: readTimeoutMilliseconds, maxConnections: maxConnections)
        let endpoint = UpstreamEndpoint(configuration: provider, apiKey: Secret("sk-test"))
        try await UpstreamClients.withClients(for: [endpoint], logger: Self.logger) { clients in
            try await body(server, clients, endpoint)
        }
        try await server.stop()
    }

    private func text(_ clients: UpstreamClients, _ endpoint: UpstreamEndpoint) async throws -> String {
        let response = try await clients.post(Array("{}".utf8), to: endpoint, requestID: "r", logger: Self.logger)
        return String(buffer: try await response.collect(upTo: 1 << 20))
    }

    @Test func sequentialRequestsShareOneKeepAliveConnection() async throws {
        try await withUpstream("ok") { server, clients, endpoint in
            for _ in 0..<5 {
                let answer = try await text(clients, endpoint)
                #expect(answer == #"{"ok":"ok"}"#)
            }
            #expect(server.connectionsOpened == 1)
        }
    }

    @Test func connectionCloseFromTheProviderIsHonoured() async throws {
        try await withUpstream("close") { server, clients, endpoint in
            for _ in 0..<3 {
                let answer = try await text(clients, endpoint)
                #expect(answer == #"{"ok":"close"}"#)
            }
            #expect(server.connectionsOpened == 3)
        }
    }

    /// Bytes after a complete answer, before the next request: the connection is out of step
    /// (they could be taken for the next request's answer), so it is closed, not reused — while
    /// the answer before them is delivered whole. (NIO's decoder refuses an answer to no request
    /// — `unsolicitedResponse`, which fails nothing already answered; the handler's own check of
    /// parts arriving between exchanges is the second line.)
    @Test func bytesNobodyAskedForCloseTheConnection() async throws {
        try await withUpstream("stray") { server, clients, endpoint in
            #expect(try await text(clients, endpoint) == #"{"ok":"stray"}"#)
            try await Task.sleep(for: .milliseconds(50))
            #expect(try await text(clients, endpoint) == #"{"ok":"stray"}"#)
            #expect(server.connectionsOpened == 2)
        }
    }

    @Test func anIdleConnectionTheProviderDroppedIsNotReused() async throws {
        try await withUpstream("idle-close") { server, clients, endpoint in
            #expect(try await text(clients, endpoint) == #"{"ok":"idle-close"}"#)
            try await Task.sleep(for: .milliseconds(150))
            #expect(try await text(clients, endpoint) == #"{"ok":"idle-close"}"#)
            #expect(server.connectionsOpened == 2)
        }
    }

    @Test func aSilentProviderTimesOut() async throws {
        try await withUpstream("stall", readTimeoutMilliseconds: 200) { _, clients, endpoint in
            let started = ContinuousClock.now
            let failure = await #expect(throws: UpstreamFailure.self) { try await text(clients, endpoint) }
            #expect(failure?.kind == .timeout)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test func aBodyCutShortFailsAndTheNextRequestUsesAFreshConnection() async throws {
        try await withUpstream("cut") { server, clients, endpoint in
            let response = try await clients.post(Array("{}".utf8), to: endpoint, requestID: "r", logger: Self.logger)
            let failure = await #expect(throws: UpstreamFailure.self) { try await response.collect(upTo: 1 << 20) }
            #expect(failure?.kind == .connectionLost)
            #expect(failure?.detail == "the provider closed the connection mid-answer")
            _ = try? await text(clients, endpoint)
            #expect(server.connectionsOpened == 2)
        }
    }

    @Test func aResetAfterTheRequestIsALostConnectionNotAFailureToConnect() async throws {
        try await withUpstream("reset") { _, clients, endpoint in
            let failure = await #expect(throws: UpstreamFailure.self) { try await text(clients, endpoint) }
            #expect(failure?.kind == .connectionLost)
            #expect(failure?.detail == "the provider reset the connection before answering")
            #expect(failure?.providerStatus == 502, "it reached the provider: the attempt is recorded")
            #expect(failure?.gatewayError.message.contains("cannot connect") == false)
        }
    }

    @Test func streamedChunksArriveAsTheyAreSent() async throws {
        try await withUpstream("stream") { _, clients, endpoint in
            let response = try await clients.post(Array("{}".utf8), to: endpoint, requestID: "r", logger: Self.logger)
            var chunks: [String] = []
            while let chunk = try await response.next() { chunks.append(String(buffer: chunk)) }
            // Sent 30 ms apart, so the first arrives on its own rather than with the rest at the
            // end (a busy machine may still hand the later two over together).
            #expect(chunks.first == "data: 0\n\n")
            #expect(chunks.joined() == "data: 0\n\ndata: 1\n\ndata: 2\n\n")
        }
    }

    @Test func anAbandonedResponseClosesItsConnection() async throws {
        try await withUpstream("stream") { server, clients, endpoint in
            let response = try await clients.post(Array("{}".utf8), to: endpoint, requestID: "r", logger: Self.logger)
            _ = try await response.next()
            response.discard()
            let again = try await clients.post(Array("{}".utf8), to: endpoint, requestID: "r", logger: Self.logger)
            while try await again.next() != nil {}
            #expect(server.connectionsOpened == 2)
        }
    }

    @Test func concurrencyBeyondMaxConnectionsWaitsForAFreeConnection() async throws {
        try await withUpstream("slow", maxConnections: 2) { server, clients, endpoint in
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<6 { group.addTask { try await text(clients, endpoint) } }
                for try await answer in group { #expect(answer == #"{"ok":"slow"}"#) }
            }
            #expect(server.maxConcurrentConnections <= 2)
            #expect(server.connectionsOpened == 2)
        }
    }

    @Test func aClosedPortIsUnreachable() async throws {
        let provider = ProviderConfiguration(name: "p", dialect: .openAI, baseURL: "http://127.0.0.1:1/v1")
        let endpoint = UpstreamEndpoint(configuration: provider, apiKey: nil)
        try await UpstreamClients.withClients(for: [endpoint], logger: Self.logger) { clients in
            let failure = await #expect(throws: UpstreamFailure.self) { try await text(clients, endpoint) }
            #expect(failure?.kind == .unreachable)
            #expect(failure?.detail.contains("cannot connect") == true)
        }
    }
}

extension UpstreamConnectionTests {
    @Test func anUnknownHostSaysSo() async throws {
        let provider = ProviderConfiguration(name: "p", dialect: .openAI, baseURL: "http://no-such-host.invalid/v1")
        let endpoint = UpstreamEndpoint(configuration: provider, apiKey: nil)
        try await UpstreamClients.withClients(for: [endpoint], logger: Self.logger) { clients in
            let failure = await #expect(throws: UpstreamFailure.self) { try await text(clients, endpoint) }
            #expect(failure?.kind == .unreachable)
            #expect(failure?.detail.contains("no-such-host.invalid") == true)
        }
    }
}
