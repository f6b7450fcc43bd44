import GatewayModel
import Hummingbird
import Metering

/// Resolves `Authorization: Bearer <virtual key>` to a tenant, from memory only.
struct BearerAuthenticator: Sendable {
    let keys: KeyDirectory

    func authenticate(_ request: Request) throws(GatewayError) -> AuthenticatedKey {
        guard let header = request.headers[.authorization] else { throw .missingAPIKey }
        let token: Substring
        if header.count > 7, header.prefix(7).lowercased() == "bearer " {
            token = header.dropFirst(7).drop { $0 == " " }
        } else {
            throw .invalidAPIKey
        }
        guard !token.isEmpty else { throw .missingAPIKey }
        guard let key = keys.authenticate(token) else { throw .invalidAPIKey }
        return key
    }
}
