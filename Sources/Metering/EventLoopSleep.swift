import NIOCore
import NIOPosix

/// Waits `duration` on an event loop's timer (`Task.sleep`'s contract: throws
/// `CancellationError` when cancelled, at once).
///
/// Why not `Task.sleep`: with NIO's loops as Swift concurrency's executor, a sleep still waits
/// on Dispatch — a thread of its own wakes at every deadline, a cancelled sleep's included — and
/// on the gateway's core that thread preempts the event loop mid-request. The ledger's commit
/// tick and its deadline race made about ten such wake-ups a second, each up to ~100 µs of some
/// request's time (docs/benchmarks.md). A loop's timer is part of its own wait in `epoll`, and a
/// cancelled one is removed.
public func sleepOnEventLoop(for duration: Duration) async throws {
    let scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(duration)) {}
    do {
        try await withTaskCancellationHandler {
            try await scheduled.futureResult.get()
        } onCancel: {
            scheduled.cancel()
        }
    } catch {
        throw CancellationError()
    }
}
