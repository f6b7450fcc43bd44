public import GatewayModel
public import Logging
public import ServiceLifecycle
import Synchronization

/// The caller a key authenticates, with what the key itself is held to (on top of its tenant).
public struct AuthenticatedKey: Sendable, Hashable {
    public var id: String
    public var tenant: String
    /// The key's own budget, besides its tenant's.
    public var budget: Budget?
    public var limits: RateLimits
    /// Routes this key may call (empty: any).
    public var allowedRoutes: [String]

    /// Whether `model` (a route, `provider/model` or model name) is one this key may call.
    public func mayCall(_ model: String) -> Bool {
        allowedRoutes.isEmpty || allowedRoutes.contains(model)
    }

    public init(id: String, tenant: String, budget: Budget? = nil, limits: RateLimits = RateLimits(), allowedRoutes: [String] = []) {
        self.id = id
        self.tenant = tenant
        self.budget = budget
        self.limits = limits
        self.allowedRoutes = allowedRoutes
    }
}

/// An in-memory copy of the active keys, so authenticating a request almost never touches the
/// database.
///
/// Refreshed from the ledger by ``KeyDirectoryRefresher`` (every 2 s): a revoked key stops
/// working within one refresh. A key this copy doesn't know yet — created a moment ago by the
/// CLI, or on another replica — is looked up in the ledger at once, so a new key works on every
/// replica immediately; tokens the ledger doesn't know either are remembered for a few seconds,
/// so a client retrying a wrong key doesn't query the database each time.
public final class KeyDirectory: Sendable {
    private struct State {
        var keysByHash: [String: AuthenticatedKey] = [:]
        /// Hashes the ledger didn't know, and until when to believe it.
        var unknown: [String: ContinuousClock.Instant] = [:]
    }

    private let state = Mutex(State())
    /// Keys accepted without a ledger entry (the offline demo key).
    private let fixedKeys: [String: AuthenticatedKey]
    /// Where unknown keys are looked up (nil: only the refreshed copy counts).
    private let ledger: (any Ledger)?
    private let lookupDeadline: Duration
    private let unknownFor: Duration
    /// At most this many unknown hashes are remembered (a flood of random tokens can't grow memory).
    static let unknownCapacity = 10_000
    /// At most this many ledger lookups at once: a flood of made-up tokens can't turn into a
    /// flood of database queries (past it, new tokens are answered "can't check now").
    static let concurrentLookups = 16
    private let lookupsInFlight = Atomic<Int>(0)

    public init(
        fixedKeys: [String: AuthenticatedKey] = [:], ledger: (any Ledger)? = nil, lookupDeadline: Duration = .seconds(2),
        unknownFor: Duration = .seconds(2)
    ) {
        self.fixedKeys = fixedKeys
        self.ledger = ledger
        self.lookupDeadline = lookupDeadline
        self.unknownFor = unknownFor
    }

    /// The key for a presented bearer token, or `nil` when unknown or revoked.
    ///
    /// Throws ``KeyLookupFailure`` when the token is new to this copy and the ledger can't be
    /// asked (the caller answers 503: it can't tell whether the key is good).
    public func authenticate(_ presented: some StringProtocol) async throws(KeyLookupFailure) -> AuthenticatedKey? {
        let hash = VirtualKey.hash(presented)
        if let fixed = fixedKeys[hash] { return fixed }
        let now = ContinuousClock.now
        let known: AuthenticatedKey?? = state.withLock { state in
            if let key = state.keysByHash[hash] { return .some(key) }
            if let until = state.unknown[hash], until > now { return .some(nil) }
            return nil
        }
        if let known { return known }
        guard let ledger else { return nil }
        guard lookupsInFlight.add(1, ordering: .relaxed).newValue <= Self.concurrentLookups else {
            lookupsInFlight.subtract(1, ordering: .relaxed)
            throw KeyLookupFailure(reason: "too many keys new to this gateway are being checked at once")
        }
        defer { lookupsInFlight.subtract(1, ordering: .relaxed) }
        let record: VirtualKeyRecord?
        do {
            record = try await withDeadline(lookupDeadline) { try await ledger.activeKey(hash: hash) }
        } catch {
            throw KeyLookupFailure(reason: "\(error)")
        }
        return state.withLock { state in
            guard let record else {
                if state.unknown.count >= Self.unknownCapacity { state.unknown.removeAll(keepingCapacity: true) }
                state.unknown[hash] = now + unknownFor
                return nil
            }
            let key = AuthenticatedKey(record)
            state.keysByHash[hash] = key
            return key
        }
    }

    /// Whether the key with this hash is active as this copy knows it (a console session checks
    /// its key at each page: revoked, it ends within one refresh).
    public func isActive(hash: String) -> Bool {
        fixedKeys[hash] != nil || state.withLock { $0.keysByHash[hash] != nil }
    }

    public func replace(with records: [VirtualKeyRecord]) {
        var table: [String: AuthenticatedKey] = [:]
        for record in records where record.revokedAt == nil {
            table[record.hash] = AuthenticatedKey(record)
        }
        state.withLock {
            $0.keysByHash = table
            $0.unknown.removeAll()
        }
    }

    public var count: Int { state.withLock { $0.keysByHash.count } }

    /// Every active key (for budget accounts).
    public var all: [AuthenticatedKey] { state.withLock { Array($0.keysByHash.values) } }
}

/// A key new to this replica's copy could not be checked against the ledger.
public struct KeyLookupFailure: Error, Sendable {
    public var reason: String
}

extension AuthenticatedKey {
    init(_ record: VirtualKeyRecord) {
        self.init(
            id: record.id, tenant: record.tenant, budget: record.budget, limits: record.limits, allowedRoutes: record.allowedRoutes)
    }
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
    /// Bounded: a database that doesn't answer fails the refresh (the last table stays) rather
    /// than stalling the loop, or a graceful stop, for as long as the pool retries.
    public func refresh() async throws {
        try await withDeadline(.seconds(10)) { [directory, ledger, afterRefresh] in
            directory.replace(with: try await ledger.activeKeys())
            await afterRefresh()
        }
    }

    public func run() async throws {
        await repeatUntilShutdown(every: interval) {
            do {
                try await refresh()
            } catch {
                // Keep the last good table: an unreachable database must not lock everyone out.
                logger.warning("key refresh failed; keeping the previous keys", metadata: ["error": "\(error)"])
            }
        }
    }
}
