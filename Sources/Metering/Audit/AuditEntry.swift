public import Foundation

/// One administrative change in the audit trail: who did what, to what, when and from where,
/// chained to the entry before it by SHA-256 (``AuditChain``), so an edited, removed or inserted
/// row is found by `switchyard audit verify`.
public struct AuditEntry: Sendable, Hashable {
    /// 1, 2, 3… with no gaps: the chain's order.
    public var sequence: Int64
    /// Whole seconds, UTC.
    public var time: Date
    /// `admin` (the admin key), `cli` (a command on the gateway's host), `gateway` (the process
    /// itself), or a virtual key's id.
    public var actor: String
    /// An ``AuditAction``'s name, as stored.
    public var action: String
    /// What was acted on: a key id, a tenant, a configuration's hash.
    public var subject: String
    /// The change itself, as a JSON object (never a secret: keys appear by id).
    public var detail: String
    /// The client's address, or `local`.
    public var source: String
    /// The hash of the entry before (64 zeros for the first).
    public var previousHash: String
    /// SHA-256 of this entry's fields and ``previousHash``.
    public var hash: String

    public init(
        sequence: Int64, time: Date, actor: String, action: String, subject: String, detail: String, source: String,
        previousHash: String, hash: String
    ) {
        self.sequence = sequence
        self.time = time
        self.actor = actor
        self.action = action
        self.subject = subject
        self.detail = detail
        self.source = source
        self.previousHash = previousHash
        self.hash = hash
    }
}

/// What an administrative change was.
public enum AuditAction: String, Sendable, Hashable, CaseIterable {
    case keyCreated = "key.created"
    case keyRevoked = "key.revoked"
    case keyChanged = "key.changed"
    case budgetSet = "budget.set"
    case configurationLoaded = "config.loaded"
    case configurationReloaded = "config.reloaded"
    case consoleSignIn = "console.sign_in"
    case consoleSignOut = "console.sign_out"
    case daySealed = "ledger.sealed"
    case usageImported = "ledger.imported"
}

/// An entry before the chain places it: everything but its sequence and hashes.
public struct AuditDraft: Sendable, Hashable {
    public var actor: String
    public var action: AuditAction
    public var subject: String
    public var detail: String
    public var source: String

    public init(actor: String, action: AuditAction, subject: String, detail: [String: String] = [:], source: String = "local") {
        self.actor = actor
        self.action = action
        self.subject = subject
        self.detail = AuditDraft.json(detail)
        self.source = source
    }

    /// A flat JSON object with sorted keys: the same detail always hashes the same.
    static func json(_ fields: [String: String]) -> String {
        let data =
            (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
