import Foundation
import GatewayConfig
public import GatewayModel
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One connection pool per provider, so each gets its own timeouts and connection limit.
///
/// Made by an ``UpstreamPools`` registry (or ``withClients(for:logger:_:)``): a configuration
/// reload makes new clients that keep the pools of unchanged providers. Pools follow each
/// endpoint's address (offline mode points providers at local mocks).
public struct UpstreamClients: Sendable {
    private let pools: [String: UpstreamConnectionPool]

    init(pools: [String: UpstreamConnectionPool]) {
        self.pools = pools
    }

    /// Each provider's pool as it is used now, by provider name (providers sharing an address
    /// and settings share a pool, and so its figures).
    public var occupancy: [String: PoolOccupancy] { pools.mapValues(\.occupancy) }

    /// Runs `body` with a pool per endpoint, shutting them down afterwards.
    ///
    /// Throws when an https provider's TLS settings can't be loaded.
    public static func withClients<Result: Sendable>(
        for endpoints: some Sequence<UpstreamEndpoint>, logger: Logger,
        _ body: (UpstreamClients) async throws -> Result
    ) async throws -> Result {
        let registry = UpstreamPools()
        defer { registry.shutdown() }
        return try await body(try registry.clients(for: endpoints))
    }

    /// Posts `body` to the provider's endpoint for `operation` (chat, or OpenAI's legacy
    /// completions) and waits for the response head.
    ///
    /// A non-2xx answer is read (bounded) and thrown as a classified ``UpstreamFailure``;
    /// a 2xx returns with its body still streaming.
    /// - Parameters:
    ///   - model: the provider's model id (Gemini puts it in the path).
    ///   - stream: whether the body asks for a stream (Gemini calls another method for it).
    ///   - extraHeaders: this request's own headers for the provider (`anthropic-beta`).
    public func post(
        _ body: [UInt8], to endpoint: UpstreamEndpoint, operation: UpstreamOperation = .chat, model: String = "",
        stream: Bool = false, extraHeaders: [(name: String, value: String)] = [], requestID: String, logger: Logger
    ) async throws(UpstreamFailure) -> UpstreamResponse {
        let provider = endpoint.providerName
        guard let pool = pools[provider] else {
            throw UpstreamFailure(provider: provider, kind: .unreachable, detail: "no client configured")
        }
        var head = HTTPRequestHead(
            version: .http1_1, method: .POST, uri: endpoint.address.path(operation, model: model, stream: stream), headers: endpoint.headers
        )
        head.headers.add(name: "content-length", value: String(body.count))
        head.headers.add(name: "x-request-id", value: requestID)
        for header in extraHeaders { head.headers.add(name: header.name, value: header.value) }
        let bytes = ByteBuffer(bytes: body)
        let readTimeout = TimeAmount.milliseconds(Int64(endpoint.configuration.readTimeoutMilliseconds))
        // A keep-alive connection the provider closed while idle fails before any answer;
        // that one case is retried once on a fresh connection.
        var attempt = 0
        while true {
            attempt += 1
            let connection: UpstreamConnection
            do {
                connection = try await pool.lease()
            } catch {
                throw Self.classify(error, provider: provider)
            }
            let reused = connection.wasUsed
            let responseHead: HTTPResponseHead
            do {
                responseHead = try await connection.send(head: head, body: bytes, readTimeout: readTimeout)
            } catch {
                pool.release(connection, reusable: false)
                if reused, attempt == 1, [.closedBeforeResponse, .resetBeforeResponse].contains(error as? UpstreamTransportError) {
                    logger.debug("stale keep-alive connection; retrying on a new one", metadata: ["provider": "\(provider)"])
                    continue
                }
                throw Self.classify(error, provider: provider)
            }
            let response = UpstreamResponse(head: responseHead, provider: provider, connection: connection, pool: pool)
            guard (200..<300).contains(response.status.code) else {
                throw await Self.failure(for: response, provider: provider).redacting(endpoint.apiKey)
            }
            return response
        }
    }

    static func classify(_ error: any Error, provider: String) -> UpstreamFailure {
        let detail: String
        switch error {
        case UpstreamTransportError.readTimeout:
            return UpstreamFailure(provider: provider, kind: .timeout, detail: "no response within the read timeout")
        case UpstreamTransportError.connectTimeout:
            detail = "connect timeout"
        case UpstreamTransportError.closedBeforeResponse:
            return UpstreamFailure(provider: provider, kind: .connectionLost, detail: "the provider closed the connection before answering")
        case UpstreamTransportError.closedMidBody:
            return UpstreamFailure(provider: provider, kind: .connectionLost, detail: "the provider closed the connection mid-answer")
        case UpstreamTransportError.resetBeforeResponse:
            return UpstreamFailure(provider: provider, kind: .connectionLost, detail: "the provider reset the connection before answering")
        case UpstreamTransportError.resetMidBody:
            return UpstreamFailure(provider: provider, kind: .connectionLost, detail: "the provider reset the connection mid-answer")
        case UpstreamTransportError.poolClosed:
            detail = "the gateway is shutting down"
        case is HTTPParserError:
            return UpstreamFailure(provider: provider, kind: .malformedResponse, detail: "the provider's answer is not valid HTTP/1.1")
        case is CancellationError:
            detail = "cancelled"
        case is NIOSSLError, is BoringSSLError:
            detail = "TLS handshake failed (\(error))"
        case let error as IOError:
            detail = "cannot connect (\(error.description))"
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first {
                detail = "cannot connect to \(error.host):\(error.port) (\(first.error))"
            } else {
                detail = "cannot resolve host '\(error.host)'"
            }
        default:
            detail = "cannot connect (\(type(of: error)))"
        }
        return UpstreamFailure(provider: provider, kind: .unreachable, detail: detail)
    }

    static func failure(for response: UpstreamResponse, provider: String) async -> UpstreamFailure {
        let status = Int(response.status.code)
        let body = (try? await response.collect(upTo: 64 << 10)).map { Array($0.readableBytesView) } ?? []
        let message = UpstreamErrorMessage.extract(from: body) ?? "HTTP \(status)"
        let kind: UpstreamFailure.Kind
        switch status {
        case 429:
            // The provider's number, passed to clients and circuits: held to 0 s – 1 day.
            let retryAfter = response.headers.first(name: "retry-after").flatMap { Int($0) }.map { min(max($0, 0), 86_400) }
            kind = .rateLimited(retryAfterSeconds: retryAfter)
        case 401, 403: kind = .credentialsRejected(status: status)
        // Google answers a bad key with 400 and the reason in the details.
        case 400 where String(decoding: body, as: UTF8.self).contains("API_KEY_INVALID"):
            kind = .credentialsRejected(status: status)
        case 404: kind = .modelUnknown(status: status)
        case 408: kind = .timeout
        case 400..<500: kind = .requestRejected(status: status)
        default: kind = .serverError(status: status)
        }
        return UpstreamFailure(provider: provider, kind: kind, detail: message)
    }
}
