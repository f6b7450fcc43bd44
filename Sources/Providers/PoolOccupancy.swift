/// How a provider's connection pool is used at one moment, for the `switchyard_upstream_*`
/// gauges: a pool whose `waiting` stays above zero has too few connections (`max_connections`).
public struct PoolOccupancy: Sendable, Hashable {
    /// Connections carrying an exchange now (or being opened for one).
    public var inUse: Int
    /// Open connections kept for the next exchange.
    public var idle: Int
    /// Exchanges waiting for a connection because the pool is at its limit.
    public var waiting: Int

    public init(inUse: Int, idle: Int, waiting: Int) {
        self.inUse = inUse
        self.idle = idle
        self.waiting = waiting
    }
}
