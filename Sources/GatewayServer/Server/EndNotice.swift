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
///   a margin), one per process: the provider connections in use are closed then, and requests
///   that were waiting on them answer 503 (or end their stream with the dialect's error event)
///   instead of being cut off by the hard stop.
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
