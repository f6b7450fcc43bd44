import GatewayModel
import HTTPTypes
import Hummingbird
import Metering

/// Resolves a virtual key to a tenant, from memory only: `Authorization: Bearer <key>`, or
/// for Anthropic callers also `x-api-key: <key>`.
struct BearerAuthenticator: Sendable {
    let keys: KeyDirectory

    func authenticate(_ request: Request) throws(GatewayError) -> AuthenticatedKey {
        guard let key = keys.authenticate(try Self.bearerToken(of: request)) else { throw .invalidAPIKey }
        return key
    }

    /// The token of `Authorization: Bearer <token>` (the virtual key, or the admin key).
    static func bearerToken(of request: Request) throws(GatewayError) -> Substring {
        guard let header = request.headers[.authorization] else { throw .missingAPIKey }
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else { throw .invalidAPIKey }
        let token = header.dropFirst(7).drop { $0 == " " }
        guard !token.isEmpty else { throw .missingAPIKey }
        return token
    }

    /// Anthropic SDKs send `x-api-key` (older) or `Authorization: Bearer` (current).
    func authenticateAnthropic(_ request: Request) throws(GatewayError) -> AuthenticatedKey {
        guard let key = request.headers[Self.xAPIKey] else { return try authenticate(request) }
        guard !key.isEmpty else { throw .missingAPIKey }
        guard let found = keys.authenticate(Substring(key)) else { throw .invalidAPIKey }
        return found
    }

    static let xAPIKey = HTTPField.Name("x-api-key")!
}
