public import AsyncHTTPClient
import Foundation
public import GatewayConfig
public import Logging
public import NIOCore
import NIOHTTP1

/// One pooled HTTP client per provider, so each gets its own timeouts and connection limit.
///
/// Create with ``withClients(for:logger:_:)``: the clients are shut down when the body returns.
public struct UpstreamClients: Sendable {
    private let clients: [String: HTTPClient]

    private init(clients: [String: HTTPClient]) {
        self.clients = clients
    }

    /// Runs `body` with clients for `providers`, shutting them down afterwards.
    public static func withClients<Result: Sendable>(
        for providers: [ProviderConfiguration], logger: Logger,
        _ body: (UpstreamClients) async throws -> Result
    ) async throws -> Result {
        var clients: [String: HTTPClient] = [:]
        for provider in providers {
            var configuration = HTTPClient.Configuration()
            configuration.timeout = .init(
                connect: .milliseconds(Int64(provider.connectTimeoutMilliseconds)),
                read: .milliseconds(Int64(provider.readTimeoutMilliseconds)))
            configuration.connectionPool = .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: provider.maxConnections)
            configuration.redirectConfiguration = .disallow
            configuration.decompression = .disabled
            // No per-request spans until the gateway has tracing of its own to join them to.
            configuration.tracing.tracer = nil
            clients[provider.name] = HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration,
                backgroundActivityLogger: logger)
        }
        let upstream = UpstreamClients(clients: clients)
        do {
            let result = try await body(upstream)
            await upstream.shutdown()
            return result
        } catch {
            await upstream.shutdown()
            throw error
        }
    }

    private func shutdown() async {
        for client in clients.values {
            try? await client.shutdown()
        }
    }

    /// Posts `body` to the provider's chat endpoint and waits for the response head.
    ///
    /// A non-2xx answer is read (bounded) and thrown as a classified ``UpstreamFailure``;
    /// a 2xx returns with its body still streaming.
    public func post(
        _ body: [UInt8], to endpoint: UpstreamEndpoint, requestID: String, logger: Logger
    ) async throws(UpstreamFailure) -> HTTPClientResponse {
        guard let client = clients[endpoint.providerName] else {
            throw UpstreamFailure(provider: endpoint.providerName, kind: .unreachable, detail: "no client configured")
        }
        var request = HTTPClientRequest(url: endpoint.chatCompletionsURL)
        request.method = .POST
        request.headers = endpoint.headers
        request.headers.add(name: "x-request-id", value: requestID)
        request.body = .bytes(ByteBuffer(bytes: body))
        let timeout = TimeAmount.milliseconds(Int64(endpoint.configuration.readTimeoutMilliseconds))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout, logger: logger)
        } catch {
            throw Self.classify(error, provider: endpoint.providerName)
        }
        guard (200..<300).contains(response.status.code) else {
            throw await Self.failure(for: response, provider: endpoint.providerName).redacting(endpoint.apiKey)
        }
        return response
    }

    static func classify(_ error: any Error, provider: String) -> UpstreamFailure {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout:
                return UpstreamFailure(provider: provider, kind: .timeout, detail: "no response within the read timeout")
            case .connectTimeout, .getConnectionFromPoolTimeout:
                return UpstreamFailure(provider: provider, kind: .unreachable, detail: "connect timeout")
            case .remoteConnectionClosed:
                return UpstreamFailure(provider: provider, kind: .unreachable, detail: "the connection was closed")
            default:
                return UpstreamFailure(provider: provider, kind: .unreachable, detail: "HTTP client error \(error)")
            }
        }
        if error is CancellationError {
            return UpstreamFailure(provider: provider, kind: .unreachable, detail: "cancelled")
        }
        return UpstreamFailure(provider: provider, kind: .unreachable, detail: "cannot connect (\(type(of: error)))")
    }

    static func failure(for response: HTTPClientResponse, provider: String) async -> UpstreamFailure {
        let status = Int(response.status.code)
        let body = (try? await response.body.collect(upTo: 64 << 10)).map { Array($0.readableBytesView) } ?? []
        let message = UpstreamErrorMessage.extract(from: body) ?? "HTTP \(status)"
        let kind: UpstreamFailure.Kind
        switch status {
        case 429: kind = .rateLimited(retryAfterSeconds: response.headers.first(name: "retry-after").flatMap { Int($0) })
        case 401, 403: kind = .credentialsRejected(status: status)
        case 404: kind = .modelUnknown(status: status)
        case 408: kind = .timeout
        case 400..<500: kind = .requestRejected(status: status)
        default: kind = .serverError(status: status)
        }
        return UpstreamFailure(provider: provider, kind: kind, detail: message)
    }
}
