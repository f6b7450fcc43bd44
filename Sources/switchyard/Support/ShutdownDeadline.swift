import GatewayServer
import Logging
import Providers
import ServiceLifecycle
import UnixSignals

/// Starts the clock when the gateway is asked to stop (SIGTERM, SIGINT): `answerBy` later it
/// gives `notice` and closes the provider connections still in use, so requests waiting on them
/// answer 503 (streams end with their dialect's error event) while there is still time to write
/// it — before the service group's hard stop closes their connections without a word. Nothing
/// is paid per request for this: the deadline acts on the pools, not on each request.
///
/// Listed before the server, so its own turn to stop comes only once the server has stopped;
/// it listens for the signals itself because that turn comes too late to start the clock.
struct ShutdownDeadline: Service {
    let notice: EndNotice
    /// Where the exchanges still waiting on providers are (closed at the deadline).
    let pools: UpstreamPools
    let answerBy: Duration
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        try? await cancelWhenGracefulShutdown {
            for await _ in signals { break }
            try await Task.sleep(for: answerBy)
            logger.warning("shutdown: the time for requests is up; those still waiting on a provider are answered 503")
            notice.signal()
            pools.abortExchanges()
            // Stay until this service's own turn to stop: the group takes an early return for a failure.
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
    }

    /// The notice comes this long before the hard stop (`shutdown_timeout_ms`): time to write the
    /// answers and for the usage meter to flush.
    static func answerBy(timeout: Duration) -> Duration {
        timeout - min(.seconds(2), timeout / 4)
    }
}
