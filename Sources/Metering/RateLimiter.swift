public import Foundation
public import GatewayModel
import Synchronization

/// Requests and tokens per minute, per tenant and key, over a sliding 60-second window of
/// one-second buckets, counted in memory.
///
/// Tokens are counted when known: the prompt estimate at admission, the rest of the actual
/// usage when the request ends.
///
/// Replicas sharing a database (`shared`) also count each other's traffic: ``RateWindowSync``
/// writes this replica's buckets to the database and brings back the others' totals every
/// half second, so a limit can be passed by at most that long of the other replicas' traffic.
public final class RateLimiter: Sendable {
    struct Window {
        /// Per second: requests and tokens; index = second % 60.
        var requests = [Int](repeating: 0, count: 60)
        var tokens = [Int](repeating: 0, count: 60)
        var seconds = [Int](repeating: -1, count: 60)
        /// Shared limits: seconds whose counts changed since the last sync.
        var unsynced: Set<Int> = []
        /// Shared limits: the other replicas' requests and tokens over the last minute, as of the last sync.
        var othersRequests = 0
        var othersTokens = 0

        /// Clears buckets older than a minute.
        mutating func advance(to second: Int) {
            let slot = second % 60
            if seconds[slot] != second {
                seconds[slot] = second
                requests[slot] = 0
                tokens[slot] = 0
            }
        }

        func total(_ counts: [Int], at second: Int) -> Int {
            (0..<60).reduce(0) { sum, slot in seconds[slot] > second - 60 ? sum + counts[slot] : sum }
        }

        /// Seconds until enough of the window has expired for `needed` more under `limit`
        /// (`others` counted too, and assumed to stay).
        func wait(_ counts: [Int], others: Int, needed: Int, limit: Int, at second: Int) -> Int {
            var excess = total(counts, at: second) + others + needed - limit
            for age in stride(from: 59, through: 0, by: -1) {
                let bucketSecond = second - age
                let slot = bucketSecond % 60
                guard bucketSecond >= 0, seconds[slot] == bucketSecond else { continue }
                excess -= counts[slot]
                if excess <= 0 { return 60 - age }
            }
            return 60
        }
    }

    public struct Refusal: Error, Sendable {
        public var message: String
        public var retryAfterSeconds: Int
    }

    let windows = Mutex<[SpendScope: Window]>([:])
    /// Limits shared with other replicas through the database.
    public let shared: Bool

    public init(shared: Bool = false) {
        self.shared = shared
    }

    /// Counts one request of about `tokens` prompt tokens against every scope's limits, or
    /// refuses it (counting nothing) naming the limit it would break.
    public func admit(tokens: Int, under limits: [(SpendScope, RateLimits)], now: Date = Date()) throws(Refusal) {
        let second = Int(now.timeIntervalSince1970)
        try windows.withLock { table throws(Refusal) in
            for (scope, limit) in limits where !limit.isEmpty {
                var window = table[scope] ?? Window()
                window.advance(to: second)
                table[scope] = window
                if let rpm = limit.requestsPerMinute, window.total(window.requests, at: second) + window.othersRequests + 1 > rpm {
                    throw Refusal(
                        message: "Rate limit of \(scope) reached: \(rpm) requests per minute.",
                        retryAfterSeconds: window.wait(window.requests, others: window.othersRequests, needed: 1, limit: rpm, at: second))
                }
                if let tpm = limit.tokensPerMinute, window.total(window.tokens, at: second) + window.othersTokens + tokens > tpm {
                    throw Refusal(
                        message: "Rate limit of \(scope) reached: \(tpm) tokens per minute.",
                        retryAfterSeconds: window.wait(
                            window.tokens, others: window.othersTokens, needed: min(tokens, tpm), limit: tpm, at: second))
                }
            }
            for (scope, limit) in limits where !limit.isEmpty {
                let slot = second % 60
                table[scope]!.requests[slot] += 1
                table[scope]!.tokens[slot] += tokens
                if shared { table[scope]!.unsynced.insert(second) }
            }
        }
    }

    /// Adds tokens learnt after admission (the output, and the prompt beyond its estimate).
    public func add(tokens: Int, to scopes: [SpendScope], now: Date = Date()) {
        guard tokens != 0 else { return }
        let second = Int(now.timeIntervalSince1970)
        windows.withLock { table in
            for scope in scopes {
                guard var window = table[scope] else { continue }
                window.advance(to: second)
                window.tokens[second % 60] += tokens
                if shared { window.unsynced.insert(second) }
                table[scope] = window
            }
        }
    }
}
