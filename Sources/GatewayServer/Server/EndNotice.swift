import NIOCore
import Synchronization

/// A one-time notice that something has ended, delivered at once to whoever is waiting on it:
///
/// - a client's departure — its connection's inbound side closed or the connection is gone —
///   one per connection, from ``ConnectionGateHandler``. A streamed answer drops its upstream
///   the moment the client leaves. Unlike Hummingbird's `consumeWithCancellationOnInboundClose`
///   it leaves the connection's request stream alone, so a kept-alive connection carries its
///   next request after a stream.
/// - the end of the time a stopping gateway gives requests (`server.shutdown_timeout_ms`, less
///   a margin), one per process: requests still waiting on a provider answer 503 (or end their
///   stream with the dialect's error event) instead of being cut off by the hard stop.
public final class EndNotice: Sendable {
    private struct State {
        var ended = false
        var actions: [Int: @Sendable () -> Void] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var hasEnded: Bool { state.withLock { $0.ended } }

    /// Runs `action` when the notice comes (at once if it has); returns what ``forget(_:)`` takes.
    func onEnd(_ action: @escaping @Sendable () -> Void) -> Int? {
        let id: Int? = state.withLock { state in
            guard !state.ended else { return nil }
            defer { state.nextID += 1 }
            state.actions[state.nextID] = action
            return state.nextID
        }
        if id == nil { action() }
        return id
    }

    func forget(_ id: Int?) {
        guard let id else { return }
        _ = state.withLock { $0.actions.removeValue(forKey: id) }
    }

    public func signal() {
        let actions = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.ended else { return [] }
            state.ended = true
            defer { state.actions = [:] }
            return Array(state.actions.values)
        }
        for action in actions { action() }
    }
}

extension Channel {
    /// The notice of this connection's client leaving (nil outside the gateway's HTTP channel).
    var clientDeparture: EndNotice? {
        get async {
            try? await eventLoop.submit {
                try self.pipeline.syncOperations.handler(type: ConnectionGateHandler.self).departure
            }.get()
        }
    }
}

extension EndNotice {
    /// Waits for the notice (returns at once if it has come); ends early if the task is cancelled.
    func wait() async {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        let id = onEnd { continuation.finish() }
        defer { forget(id) }
        await withTaskCancellationHandler {
            for await _ in stream {}
        } onCancel: {
            continuation.finish()
        }
    }

    /// `body`'s result, unless the notice comes first: then `body` is cancelled and `ended` thrown.
    func racing<Value: Sendable>(
        _ ended: @autoclosure @escaping @Sendable () -> any Error, _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                await self.wait()
                return nil
            }
            defer { group.cancelAll() }
            while let outcome = try await group.next() {
                if let value = outcome { return value }
                if hasEnded { throw ended() }
            }
            throw ended()
        }
    }
}
