public import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// Shares this replica's rate-limit counts (``RateLimiter`` in shared mode) through the
/// database every `interval`, and brings back the other replicas' — one round trip, off the
/// request path. While the database is away each replica goes on with the others' last totals.
public struct RateWindowSync: Service {
    let limiter: RateLimiter
    let store: any RateWindowStore
    let replica: String
    let interval: Duration
    let logger: Logger

    public init(
        limiter: RateLimiter, store: any RateWindowStore, replica: String = UUID().uuidString.lowercased(),
        interval: Duration = .milliseconds(500), logger: Logger
    ) {
        self.limiter = limiter
        self.store = store
        self.replica = replica
        self.interval = interval
        self.logger = logger
    }

    /// One exchange (the service runs it every interval; tests call it directly).
    public func sync(now: Date = Date()) async throws {
        let (buckets, scopes) = limiter.unsyncedBuckets(now: now)
        guard !scopes.isEmpty else { return }
        let others = try await withDeadline(.seconds(2)) { [store, replica] in
            try await store.exchangeRateCounts(buckets, scopes: scopes, replica: replica, now: now)
        }
        limiter.takeOthers(others, synced: buckets, now: now)
    }

    public func run() async throws {
        await repeatUntilShutdown(every: interval) {
            do {
                try await sync()
            } catch {
                logger.warning("rate-limit sync failed; counting with the other replicas' last totals", metadata: ["error": "\(error)"])
            }
        }
    }
}

extension RateLimiter {
    /// The buckets changed since the last sync (absolute counts) and every scope counted.
    func unsyncedBuckets(now: Date) -> ([RateBucket], [String]) {
        let second = Int(now.timeIntervalSince1970)
        return windows.withLock { table in
            var buckets: [RateBucket] = []
            for (scope, window) in table {
                for changed in window.unsynced where changed > second - 60 {
                    let slot = changed % 60
                    guard window.seconds[slot] == changed else { continue }
                    buckets.append(
                        RateBucket(scope: scope.accountName, second: changed, requests: window.requests[slot], tokens: window.tokens[slot]))
                }
            }
            return (buckets, table.keys.map(\.accountName))
        }
    }

    /// Takes the other replicas' totals; `synced` buckets are stored (unless changed since).
    func takeOthers(_ others: [String: RateTotals], synced: [RateBucket], now: Date) {
        let second = Int(now.timeIntervalSince1970)
        let stored = Dictionary(grouping: synced, by: \.scope)
        windows.withLock { table in
            for (scope, var window) in table {
                let name = scope.accountName
                let totals = others[name] ?? RateTotals(requests: 0, tokens: 0)
                window.othersRequests = totals.requests
                window.othersTokens = totals.tokens
                for bucket in stored[name] ?? [] {
                    let slot = bucket.second % 60
                    if window.seconds[slot] == bucket.second, window.requests[slot] == bucket.requests,
                        window.tokens[slot] == bucket.tokens
                    {
                        window.unsynced.remove(bucket.second)
                    }
                }
                window.unsynced = window.unsynced.filter { $0 > second - 60 }
                table[scope] = window
            }
        }
    }
}
