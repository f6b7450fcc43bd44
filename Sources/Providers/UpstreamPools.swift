import GatewayConfig
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Every connection pool the gateway has opened, by what makes a pool different (address,
/// TLS roots, limits). Clients for a new configuration reuse the pools of providers that
/// didn't change, so a reload keeps warm connections and never cuts requests in flight.
///
/// A pool a reload no longer uses is left to drain: its idle connections close on their own
/// idle timeout, and requests still using it finish. All pools shut down with the registry.
public final class UpstreamPools: Sendable {
    struct Key: Hashable {
        var host: String
        var port: Int
        var usesTLS: Bool
        var caFile: String?
        var connectTimeoutMilliseconds: Int
        var maxConnections: Int
    }

    private struct State {
        var pools: [Key: UpstreamConnectionPool] = [:]
        /// One TLS context per set of trusted roots: building one loads the system's CA bundle.
        var tlsContexts: [String?: NIOSSLContext] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Clients for `endpoints`, reusing an open pool wherever one fits.
    ///
    /// Throws when an https provider's TLS settings can't be loaded.
    public func clients(for endpoints: some Sequence<UpstreamEndpoint>) throws -> UpstreamClients {
        try state.withLock { state in
            var pools: [String: UpstreamConnectionPool] = [:]
            for endpoint in endpoints {
                let provider = endpoint.configuration
                let address = endpoint.address
                let key = Key(
                    host: address.host, port: address.port, usesTLS: address.usesTLS, caFile: provider.caFile,
                    connectTimeoutMilliseconds: provider.connectTimeoutMilliseconds, maxConnections: provider.maxConnections)
                if let existing = state.pools[key] {
                    pools[provider.name] = existing
                    continue
                }
                var tls: NIOSSLContext?
                if address.usesTLS {
                    if let existing = state.tlsContexts[provider.caFile] {
                        tls = existing
                    } else {
                        var configuration = TLSConfiguration.makeClientConfiguration()
                        if let caFile = provider.caFile { configuration.additionalTrustRoots = [.file(caFile)] }
                        tls = try NIOSSLContext(configuration: configuration)
                        state.tlsContexts[provider.caFile] = tls
                    }
                }
                let target = UpstreamConnectionPool.Target(
                    host: address.host, port: address.port, tls: tls,
                    connectTimeout: .milliseconds(Int64(provider.connectTimeoutMilliseconds)),
                    maxConnections: provider.maxConnections, idleTimeout: .seconds(60))
                let pool = UpstreamConnectionPool(target: target, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
                state.pools[key] = pool
                pools[provider.name] = pool
            }
            return UpstreamClients(pools: pools)
        }
    }

    /// Closes every pool (at exit).
    public func shutdown() {
        for pool in state.withLock({ $0.pools }).values { pool.shutdown() }
    }

    /// At a stopping gateway's deadline: every exchange still waiting on a provider ends at once
    /// (its connection closed), and no new one starts.
    public func abortExchanges() {
        for pool in state.withLock({ $0.pools }).values { pool.shutdown(abortingExchanges: true) }
    }
}
