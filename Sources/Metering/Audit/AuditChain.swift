public import Foundation

/// Where the audit trail is kept: the ledger database (`audit_log`), appended by every replica.
public protocol AuditStore: Sendable {
    /// The chain's last entry, or nil when it is empty.
    func lastAuditEntry() async throws -> AuditEntry?
    /// Stores `entry` unless an entry with its sequence exists already (another writer appended
    /// first): then false, and nothing is written.
    func insertAuditEntry(_ entry: AuditEntry) async throws -> Bool
    /// Entries from `sequence` on, in order, at most `limit`.
    func auditEntries(from sequence: Int64, limit: Int) async throws -> [AuditEntry]
}

/// The audit trail's hash chain: each entry's hash covers its fields and the previous entry's
/// hash, so changing, removing or inserting any row breaks every hash after it.
///
/// Appending is optimistic: read the last entry, make the next, insert it under its sequence
/// (the primary key). Two writers racing for one sequence — two replicas, or the CLI beside a
/// running gateway — can't both succeed, so the chain never forks; the loser reads again.
public enum AuditChain {
    /// The `previousHash` of the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    /// Appends `draft` as the chain's next entry; returns it as stored.
    @discardableResult
    public static func append(_ draft: AuditDraft, to store: any AuditStore, at time: Date = Date()) async throws -> AuditEntry {
        for _ in 0..<64 {
            let last = try await store.lastAuditEntry()
            let entry = make(draft, after: last, at: time)
            if try await store.insertAuditEntry(entry) { return entry }
        }
        throw AuditError("the audit trail is too busy to append to (64 writers raced for its next entry); retry")
    }

    /// The entry that follows `last` (nil: the first).
    public static func make(_ draft: AuditDraft, after last: AuditEntry?, at time: Date) -> AuditEntry {
        var entry = AuditEntry(
            sequence: (last?.sequence ?? 0) + 1, time: Date(timeIntervalSince1970: time.timeIntervalSince1970.rounded(.down)),
            actor: draft.actor, action: draft.action.rawValue, subject: draft.subject, detail: draft.detail, source: draft.source,
            previousHash: last?.hash ?? genesis, hash: "")
        entry.hash = hash(of: entry)
        return entry
    }

    /// SHA-256 over every field but the hash itself, each written with its length first so no
    /// two different entries share a text (a field can't borrow from its neighbour).
    public static func hash(of entry: AuditEntry) -> String {
        let fields = [
            String(entry.sequence), String(Int64(entry.time.timeIntervalSince1970.rounded(.down))), entry.actor,
            entry.action, entry.subject, entry.detail, entry.source, entry.previousHash,
        ]
        var text: [UInt8] = []
        for field in fields {
            text += Array("\(field.utf8.count):".utf8) + Array(field.utf8) + [0x0A]
        }
        return sha256Hex(text)
    }

    /// Where a chain stops being what was written.
    public struct Break: Sendable, Hashable, CustomStringConvertible {
        public var sequence: Int64
        public var reason: String
        public var description: String { "entry \(sequence): \(reason)" }
    }

    /// Checks a chain entry by entry, in order from the first (so a long chain is read in pages).
    public struct Verifier: Sendable {
        private var expected: Int64 = 1
        private var previous = AuditChain.genesis
        /// Entries found sound so far.
        public private(set) var checked = 0

        public init() {}

        /// Where `entry` — the next one read — breaks the chain (edited, missing, inserted,
        /// reordered), or nil when it holds.
        public mutating func check(_ entry: AuditEntry) -> Break? {
            if entry.sequence != expected {
                return Break(sequence: expected, reason: "missing (the next entry stored is \(entry.sequence))")
            }
            if entry.previousHash != previous {
                return Break(sequence: entry.sequence, reason: "its previous hash doesn't match the entry before it")
            }
            if AuditChain.hash(of: entry) != entry.hash {
                return Break(sequence: entry.sequence, reason: "its contents don't match its hash (the row was edited)")
            }
            previous = entry.hash
            expected += 1
            checked += 1
            return nil
        }
    }

    /// Reads the whole chain from `store` a page at a time; the first break, or nil when it holds.
    public static func verify(_ store: any AuditStore, pageSize: Int = 10_000) async throws -> (checked: Int, break: Break?) {
        var verifier = Verifier()
        var next: Int64 = 1
        while true {
            let page = try await store.auditEntries(from: next, limit: pageSize)
            for entry in page {
                if let found = verifier.check(entry) { return (verifier.checked, found) }
            }
            guard page.count == pageSize, let last = page.last else { return (verifier.checked, nil) }
            next = last.sequence + 1
        }
    }
}

public struct AuditError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
