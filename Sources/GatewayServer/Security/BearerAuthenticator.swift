import GatewayModel
import HTTPTypes
import Hummingbird
import Metering

/// Resolves a virtual key to a tenant — from memory, or from the ledger for a key this replica
/// hasn't seen yet: `Authorization: Bearer <key>`, or for Anthropic callers also `x-api-key: <key>`.
struct BearerAuthenticator: Sendable {
    let keys: KeyDirectory

    func authenticate(_ request: Request) async throws(GatewayError) -> AuthenticatedKey {
        try await find(try Self.bearerToken(of: request))
    }

    private func find(_ token: Substring) async throws(GatewayError) -> AuthenticatedKey {
        let found: AuthenticatedKey?
        do {
            found = try await keys.authenticate(token)
        } catch {
            throw .unavailable(
                "The gateway cannot check this API key right now (its key database is unreachable); retry shortly.",
                retryAfterSeconds: 2)
        }
        guard let found else { throw .invalidAPIKey }
        return found
    }

    /// The token of `Authorization: Bearer <token>` (the virtual key, or the admin key).
    static func bearerToken(of request: Request) throws(GatewayError) -> Substring {
        guard let header = request.headers.value(of: .authorization) else { throw .missingAPIKey }
        let bytes = header.utf8
        guard bytes.count > 7, ASCIICaseless.equal(bytes.prefix(7), "bearer ") else { throw .invalidAPIKey }
        let start = bytes.dropFirst(7).firstIndex { $0 != UInt8(ascii: " ") } ?? bytes.endIndex
        guard start < bytes.endIndex else { throw .missingAPIKey }
        return header[start...]
    }

    /// Whether the request's bearer token is the one whose SHA-256 is `hash` (the admin key, the
    /// metrics token: compared as stored, hashed).
    static func bearerToken(of request: Request, hashesTo hash: String) throws(GatewayError) -> Bool {
        VirtualKey.hash(try bearerToken(of: request)) == hash
    }

    /// Anthropic SDKs send `x-api-key` (older) or `Authorization: Bearer` (current).
    func authenticateAnthropic(_ request: Request) async throws(GatewayError) -> AuthenticatedKey {
        guard let key = request.headers.value(of: Self.xAPIKey) else { return try await authenticate(request) }
        guard !key.isEmpty else { throw .missingAPIKey }
        return try await find(Substring(key))
    }

    /// Google SDKs send `x-goog-api-key`; REST examples put the key in `?key=`.
    func authenticateGoogle(_ request: Request) async throws(GatewayError) -> AuthenticatedKey {
        if let key = request.headers.value(of: Self.xGoogAPIKey) {
            guard !key.isEmpty else { throw .missingAPIKey }
            return try await find(Substring(key))
        }
        if let key = request.uri.queryParameters["key"] {
            guard !key.isEmpty else { throw .missingAPIKey }
            return try await find(key)
        }
        return try await authenticate(request)
    }

    static let xAPIKey = HTTPField.Name("x-api-key")!
    static let xGoogAPIKey = HTTPField.Name("x-goog-api-key")!
}
