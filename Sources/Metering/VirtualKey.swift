import Crypto
public import Foundation
public import GatewayModel

/// A gateway key as handed to an app: `sy-<id>-<secret>`.
///
/// Only the SHA-256 of the whole key is stored; the `id` part is public and names the key
/// in logs, the ledger and `keys list` without revealing it.
public struct VirtualKey: Sendable {
    public let id: String
    public let plaintext: String

    static let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    /// A new random key (190 bits of secret from the system's CSPRNG).
    public static func generate() -> VirtualKey {
        var generator = SystemRandomNumberGenerator()
        let id = String((0..<10).map { _ in alphabet.randomElement(using: &generator)! })
        let secret = String((0..<32).map { _ in alphabet.randomElement(using: &generator)! })
        return VirtualKey(id: "key_\(id)", plaintext: "sy-\(id)-\(secret)")
    }

    /// The stored form of a presented key: hex SHA-256.
    public static func hash(_ presented: some StringProtocol) -> String {
        sha256Hex(Array(presented.utf8))
    }

    public var hash: String { Self.hash(plaintext) }
}

/// What the key table says of one key.
public struct VirtualKeyRecord: Sendable, Hashable {
    public var id: String
    public var tenant: String
    public var hash: String
    public var createdAt: Date
    public var revokedAt: Date?
    public var budget: Budget?
    public var limits: RateLimits
    /// Routes the key may call (empty: any).
    public var allowedRoutes: [String]

    public init(
        id: String, tenant: String, hash: String, createdAt: Date = Date(), revokedAt: Date? = nil, budget: Budget? = nil,
        limits: RateLimits = RateLimits(), allowedRoutes: [String] = []
    ) {
        self.id = id
        self.tenant = tenant
        self.hash = hash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.budget = budget
        self.limits = limits
        self.allowedRoutes = allowedRoutes
    }
}

/// Hex SHA-256 of `bytes` (keys, audit entries, configuration files).
public func sha256Hex(_ bytes: [UInt8]) -> String {
    hexDigits(SHA256.hash(data: bytes))
}

/// A digest in lowercase hex. Runs on every request (a key's hash): by table, not
/// String(format:), which costs microseconds per byte.
func hexDigits(_ digest: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var hex = [UInt8]()
    hex.reserveCapacity(SHA256.byteCount * 2)
    for byte in digest {
        hex.append(digits[Int(byte >> 4)])
        hex.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: hex, as: UTF8.self)
}
