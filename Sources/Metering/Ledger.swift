/// The durable store behind the gateway: the key table and the usage ledger.
///
/// A protocol so the embedded SQLite store and a shared PostgreSQL store are interchangeable.
/// Implementations must be safe to call concurrently and must not block the caller's thread.
public protocol Ledger: Sendable {
    /// Creates or upgrades the schema; safe to run on every start.
    func migrate() async throws
    /// How many migrations the database has run (`switchyard db migrate` reports it).
    func schemaVersion() async throws -> Int
    func insertKey(_ record: VirtualKeyRecord) async throws
    /// Every key not revoked.
    func activeKeys() async throws -> [VirtualKeyRecord]
    /// The active key with this hash, if any (a key another replica created a moment ago).
    func activeKey(hash: String) async throws -> VirtualKeyRecord?
    /// Every key, revoked ones included (for `keys list`).
    func allKeys() async throws -> [VirtualKeyRecord]
    /// Marks a key revoked; false when no active key has that id.
    func revokeKey(id: String) async throws -> Bool
    /// Sets an active key's budget, limits and allowed routes to `record`'s; false when no active
    /// key has its id (its tenant, hash and dates never change).
    func changeKey(_ record: VirtualKeyRecord) async throws -> Bool
    /// Adds usage records; a record whose id is already stored is skipped (replays are safe).
    /// `pace`: how far the meter is behind — a ledger that works on the gateway's own cores
    /// (SQLite) leaves them to requests as much as that allows.
    func insertUsage(_ records: [UsageRecord], pace: UsagePace) async throws
    /// Spend grouped as `query` asks, summed exactly.
    func spend(_ query: SpendQuery) async throws -> [SpendRow]
    /// Records in time order, for `ledger export`.
    func usageRecords(_ filter: UsageFilter) async throws -> [UsageRecord]
    /// At most `limit` records, newest first, from before `cursor` (the console's request list).
    func latestUsageRecords(_ filter: UsageFilter, before cursor: UsageCursor?, limit: Int) async throws -> [UsageRecord]
    /// Proves the store accepts writes (for `/readyz`).
    func checkWritable() async throws
    func close() async throws
}

extension Ledger {
    /// Adds usage records at full speed (an import, a journal's replay).
    public func insertUsage(_ records: [UsageRecord]) async throws {
        try await insertUsage(records, pace: .farBehind)
    }
}
