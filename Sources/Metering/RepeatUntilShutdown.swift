import ServiceLifecycle

/// Runs `work` every `interval` until graceful shutdown (or cancellation). Shutdown interrupts
/// the wait, never the work: a commit or a sync in flight finishes instead of failing with a
/// `CancellationError` (which would be logged as an error at every stop, and could leave a
/// database write done but unacknowledged).
public func repeatUntilShutdown(every interval: Duration, _ work: () async -> Void) async {
    while !Task.isShuttingDownGracefully, !Task.isCancelled {
        try? await cancelWhenGracefulShutdown { try await sleepOnEventLoop(for: interval) }
        guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
        await work()
    }
}
