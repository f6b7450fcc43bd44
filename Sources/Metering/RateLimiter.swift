public import Foundation
public import GatewayModel
import Synchronization

/// Requests and tokens per minute, per tenant and key, over a sliding 60-second window of
/// one-second buckets. In memory: each gateway process counts its own traffic.
///
/// Tokens are counted when known: the prompt estimate at admission, the rest of the actual
/// usage when the request ends.
public final class RateLimiter: Sendable {
    struct Window {
        /// Per second: requests and tokens; index = second % 60.
        var requests = [Int](repeating: 0, count: 60)
        var tokens = [Int](repeating: 0, count: 60)
        var seconds = [Int](repeating: -1, count: 60)

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

        /// Seconds until enough of the window has expired for `needed` more under `limit`.
        func wait(_ counts: [Int], needed: Int, limit: Int, at second: Int) -> Int {
            var excess = total(counts, at: second) + needed - limit
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

    private let windows = Mutex<[SpendScope: Window]>([:])

    public init() {}

    /// Counts one request of about `tokens` prompt tokens against every scope's limits, or
    /// refuses it (counting nothing) naming the limit it would break.
    public func admit(tokens: Int, under limits: [(SpendScope, RateLimits)], now: Date = Date()) throws(Refusal) {
        let second = Int(now.timeIntervalSince1970)
        try windows.withLock { table throws(Refusal) in
            for (scope, limit) in limits where !limit.isEmpty {
                var window = table[scope] ?? Window()
                window.advance(to: second)
                table[scope] = window
                if let rpm = limit.requestsPerMinute, window.total(window.requests, at: second) + 1 > rpm {
                    throw Refusal(
                        message: "Rate limit of \(scope) reached: \(rpm) requests per minute.",
                        retryAfterSeconds: window.wait(window.requests, needed: 1, limit: rpm, at: second))
                }
                if let tpm = limit.tokensPerMinute, window.total(window.tokens, at: second) + tokens > tpm {
                    throw Refusal(
                        message: "Rate limit of \(scope) reached: \(tpm) tokens per minute.",
                        retryAfterSeconds: window.wait(window.tokens, needed: min(tokens, tpm), limit: tpm, at: second))
                }
            }
            for (scope, limit) in limits where !limit.isEmpty {
                let slot = second % 60
                table[scope]!.requests[slot] += 1
                table[scope]!.tokens[slot] += tokens
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
                table[scope] = window
            }
        }
    }
}
