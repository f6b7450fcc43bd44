public import Logging
public import ServiceLifecycle
import Synchronization

/// The caller a key authenticates.
public struct AuthenticatedKey: Sendable, Hashable {
    public var id: String
    public var tenant: String

    public init(id: String, tenant: String) {
        self.id = id
        self.tenant = tenant
    }
}

/// An in-memory copy of the active keys, so authenticating a request never touches the database.
///
/// Refreshed from the ledger by ``KeyDirectoryRefresher``; a key created or revoked by the CLI
/// takes effect within one refresh interval.
public final class KeyDirectory: Sendable {
    private let keysByHash: Mutex<[String: AuthenticatedKey]>
    /// Keys accepted without a ledger entry (the offline demo key).
    private let fixedKeys: [String: AuthenticatedKey]

    public init(fixedKeys: [String: AuthenticatedKey] = [:]) {
        self.keysByHash = Mutex([:])
        self.fixedKeys = fixedKeys
    }

    /// The key for a presented bearer token, or `nil` when unknown or revoked.
    public func authenticate(_ presented: some StringProtocol) -> AuthenticatedKey? {
        let hash = VirtualKey.hash(presented)
        if let fixed = fixedKeys[hash] { return fixed }
        return keysByHash.withLock { $0[hash] }
    }

    public func replace(with records: [VirtualKeyRecord]) {
        var table: [String: AuthenticatedKey] = [:]
        for record in records where record.revokedAt == nil {
            table[record.hash] = AuthenticatedKey(id: record.id, tenant: record.tenant)
        }
        keysByHash.withLock { $0 = table }
    }

    public var count: Int { keysByHash.withLock { $0.count } }
}

/// Reloads ``KeyDirectory`` from the ledger on an interval until shutdown.
public struct KeyDirectoryRefresher: Service {
    let directory: KeyDirectory
    let ledger: any Ledger
    let interval: Duration
    let logger: Logger

    public init(directory: KeyDirectory, ledger: any Ledger, interval: Duration = .seconds(2), logger: Logger) {
        self.directory = directory
        self.ledger = ledger
        self.interval = interval
        self.logger = logger
    }

    /// Loads once now; call before serving so the first request already sees every key.
    public func refresh() async throws {
        directory.replace(with: try await ledger.activeKeys())
    }

    public func run() async throws {
        // Stop at once on graceful shutdown rather than after the current sleep.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                do {
                    try await refresh()
                } catch {
                    // Keep the last good table: an unreachable database must not lock everyone out.
                    logger.warning("key refresh failed; keeping the previous keys", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
