public import Foundation

/// A database where replicas pool their rate-limit counts: each writes its own per-second
/// buckets and reads everyone else's totals over the last minute.
public protocol RateWindowStore: Sendable {
    /// Stores `buckets` as this replica's counts (absolute, so a repeated write changes nothing)
    /// and answers the other replicas' totals over the minute before `now` for `scopes`.
    func exchangeRateCounts(_ buckets: [RateBucket], scopes: [String], replica: String, now: Date) async throws
        -> [String: RateTotals]
}

/// One replica's count of one scope's traffic in one second.
public struct RateBucket: Sendable, Hashable {
    /// `tenant:<name>` or `key:<id>` (``SpendScope/accountName``).
    public var scope: String
    /// Seconds since 1970.
    public var second: Int
    public var requests: Int
    public var tokens: Int

    public init(scope: String, second: Int, requests: Int, tokens: Int) {
        self.scope = scope
        self.second = second
        self.requests = requests
        self.tokens = tokens
    }
}

/// Requests and tokens over a minute.
public struct RateTotals: Sendable, Hashable {
    public var requests: Int
    public var tokens: Int

    public init(requests: Int, tokens: Int) {
        self.requests = requests
        self.tokens = tokens
    }
}
