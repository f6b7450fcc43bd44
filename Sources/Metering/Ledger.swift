/// The durable store behind the gateway: the key table now, the usage ledger as metering grows.
///
/// A protocol so the embedded SQLite store and a shared PostgreSQL store are interchangeable.
/// Implementations must be safe to call concurrently and must not block the caller's thread.
public protocol Ledger: Sendable {
    /// Creates or upgrades the schema; safe to run on every start.
    func migrate() async throws
    func insertKey(_ record: VirtualKeyRecord) async throws
    /// Every key not revoked.
    func activeKeys() async throws -> [VirtualKeyRecord]
    /// Proves the store accepts writes (for `/readyz`).
    func checkWritable() async throws
    func close() async throws
}
