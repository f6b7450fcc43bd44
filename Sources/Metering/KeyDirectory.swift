public import Logging
public import ServiceLifecycle
import Synchronization

public import GatewayModel

/// The caller a key authenticates, with what the key itself is held to (on top of its tenant).
public struct AuthenticatedKey: Sendable, Hashable {
    public var id: String
    public var tenant: String
    /// The key's own budget, besides its tenant's.
    public var budget: Budget?
    public var limits: RateLimits
    /// Routes this key may call (empty: any).
    public var allowedRoutes: [String]

    public init(id: String, tenant: String, budget: Budget? = nil, limits: RateLimits = RateLimits(), allowedRoutes: [String] = []) {
        self.id = id
        self.tenant = tenant
        self.budget = budget
        self.limits = limits
        self.allowedRoutes = allowedRoutes
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
            table[record.hash] = AuthenticatedKey(
                id: record.id, tenant: record.tenant, budget: record.budget, limits: record.limits, allowedRoutes: record.allowedRoutes)
        }
        keysByHash.withLock { $0 = table }
    }

    public var count: Int { keysByHash.withLock { $0.count } }

    /// Every active key (for budget accounts).
    public var all: [AuthenticatedKey] { keysByHash.withLock { Array($0.values) } }
}

/// Reloads ``KeyDirectory`` from the ledger on an interval until shutdown.
public struct KeyDirectoryRefresher: Service {
    let directory: KeyDirectory
    let ledger: any Ledger
    let interval: Duration
    let logger: Logger
    /// Runs after each refresh (budget accounts for keys that appeared).
    let afterRefresh: @Sendable () async -> Void

    public init(
        directory: KeyDirectory, ledger: any Ledger, interval: Duration = .seconds(2), logger: Logger,
        afterRefresh: @escaping @Sendable () async -> Void = {}
    ) {
        self.directory = directory
        self.ledger = ledger
        self.interval = interval
        self.logger = logger
        self.afterRefresh = afterRefresh
    }

    /// Loads once now; call before serving so the first request already sees every key.
    public func refresh() async throws {
        directory.replace(with: try await ledger.activeKeys())
        await afterRefresh()
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
