import Metering
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration when `Routes/` changes (checked every `interval`) or on SIGHUP.
///
/// Polling file times rather than inotify: portable, no extra dependency, and a second's delay
/// is nothing next to a human editing YAML. A change is loaded once the files have stopped
/// changing for an interval (a file caught half-written is never served). A reload that fails
/// keeps the running configuration; the reload closure logs why.
struct ConfigurationWatcher: Service {
    /// How often to compare file times; nil watches nothing (SIGHUP only).
    let interval: Duration?
    let fingerprint: @Sendable () -> [String]
    /// Called with what triggered it.
    let reload: @Sendable (String) async -> Void

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in signals { await reload("SIGHUP") }
                }
                if let interval {
                    group.addTask {
                        var served = fingerprint()
                        var seen = served
                        while !Task.isCancelled {
                            try? await sleepOnEventLoop(for: interval)
                            let now = fingerprint()
                            // A file being written — truncated, then filled, as a shell
                            // redirect or most scripts do — may be caught in between, empty
                            // and valid: Routes/ is loaded once it has looked the same for a
                            // whole interval.
                            if now == seen, now != served {
                                served = now
                                await reload("a file under Routes/ changed")
                            }
                            seen = now
                        }
                    }
                }
                await group.waitForAll()
            }
        }
    }
}
