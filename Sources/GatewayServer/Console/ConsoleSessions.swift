import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing
import Synchronization

/// Who a console session acts for: the admin (every tenant) or one tenant, through one of its keys.
enum ConsolePrincipal: Sendable, Hashable {
    /// Signed in with the admin key whose SHA-256 this is (a new admin key ends the session).
    case admin(keyHash: String)
    /// Signed in with a virtual key: sees and changes only `tenant`'s data.
    case tenant(String, keyID: String, keyHash: String)

    /// The tenant the session is held to; nil for the admin.
    var tenant: String? {
        if case .tenant(let tenant, _, _) = self { tenant } else { nil }
    }

    var isAdmin: Bool {
        if case .admin = self { true } else { false }
    }

    /// Who the audit trail names: `admin` or the key's id.
    var actor: String {
        switch self {
        case .admin: "admin"
        case .tenant(_, let keyID, _): keyID
        }
    }
}

/// A signed-in browser: its principal, the token its forms must carry, and when it ends.
struct ConsoleSession: Sendable {
    var principal: ConsolePrincipal
    /// Sent back in every form (`csrf`): a page of another site can't read it, so it can't post one.
    var csrf: String
    var expires: ContinuousClock.Instant
}

/// The console's sessions, in this process's memory: a sign-out or a revoked key ends one at
/// once. Cookies carry a random token; only its SHA-256 is kept. Bounded: at most `capacity`
/// sessions, expired ones pruned first.
final class ConsoleSessions: Sendable {
    /// How long a session lasts from sign-in (then the browser signs in again).
    static let lifetime = Duration.seconds(8 * 3600)
    static let capacity = 10_000

    private let table = Mutex<[String: ConsoleSession]>([:])

    /// A new session for `principal`, and the token its cookie carries.
    func open(for principal: ConsolePrincipal, now: ContinuousClock.Instant = .now) -> (token: String, session: ConsoleSession) {
        let token = Self.randomToken()
        let session = ConsoleSession(principal: principal, csrf: Self.randomToken(), expires: now + Self.lifetime)
        table.withLock { table in
            if table.count >= Self.capacity { table = table.filter { $0.value.expires > now } }
            if table.count >= Self.capacity, let oldest = table.min(by: { $0.value.expires < $1.value.expires }) {
                table[oldest.key] = nil
            }
            table[sha256Hex(Array(token.utf8))] = session
        }
        return (token, session)
    }

    /// The live session `token` names, or nil (unknown, forged or expired).
    func session(for token: String, now: ContinuousClock.Instant = .now) -> ConsoleSession? {
        let key = sha256Hex(Array(token.utf8))
        return table.withLock { table in
            guard let session = table[key] else { return nil }
            guard session.expires > now else {
                table[key] = nil
                return nil
            }
            return session
        }
    }

    /// Ends the session `token` names; returns it, if it was live.
    @discardableResult
    func close(_ token: String) -> ConsoleSession? {
        table.withLock { $0.removeValue(forKey: sha256Hex(Array(token.utf8))) }
    }

    /// 256 random bits, as hex.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
