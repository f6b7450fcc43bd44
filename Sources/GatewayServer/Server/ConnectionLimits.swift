import GatewayConfig
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The limits every client connection is held to (`server:` in Routes/), and the count of
/// connections open now, shared by all of them.
final class ConnectionLimits: Sendable {
    let headerTimeout: Duration
    let bodyTimeout: Duration
    let idleTimeout: Duration
    /// Connections open at once: the configured `max_connections`, held below half the
    /// process's descriptor limit (each proxied request also holds a connection to its
    /// provider, and the ledger and journal need a few), so running out of descriptors turns
    /// into quick 503s instead of failed accepts and providers the gateway can't reach.
    let maxConnections: Int
    private let open = Atomic<Int>(0)

    init(_ settings: ServerSettings, descriptorLimit: Int? = ConnectionLimits.raiseDescriptorLimit()) {
        headerTimeout = .milliseconds(settings.headerTimeoutMilliseconds)
        bodyTimeout = .milliseconds(settings.bodyTimeoutMilliseconds)
        idleTimeout = .milliseconds(settings.idleTimeoutMilliseconds)
        let headroom = descriptorLimit.map { max(1, ($0 - 64) / 2) } ?? Int.max
        maxConnections = min(settings.maxConnections, headroom)
    }

    /// Counts a new connection in; false (and not counted) when the limit is reached.
    func admit() -> Bool {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard now <= maxConnections else {
            open.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func release() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Raises the soft limit on open files to the hard limit (as Go's runtime and nginx's
    /// `worker_rlimit_nofile` do) and returns it; nil when it can't be read.
    static func raiseDescriptorLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur >= rlim_t(Int.max) ? nil : Int(limit.rlim_cur)
    }
}
