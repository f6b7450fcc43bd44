import NIOCore
import Synchronization

/// Tells whoever is serving a connection that its client has gone — the connection's inbound
/// side closed (the client shut its socket) or the connection is gone altogether — at once,
/// not at the next write. A streamed answer uses it to drop its upstream request the moment
/// the client leaves.
///
/// One per connection, signalled by ``ConnectionGateHandler``. Unlike Hummingbird's
/// `consumeWithCancellationOnInboundClose` it leaves the connection's request stream alone,
/// so a kept-alive connection carries its next request after a stream.
final class ClientDeparture: Sendable {
    private struct State {
        var departed = false
        var actions: [Int: @Sendable () -> Void] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    var hasDeparted: Bool { state.withLock { $0.departed } }

    /// Runs `action` when the client departs (at once if it has); returns what ``forget(_:)`` takes.
    func onDeparture(_ action: @escaping @Sendable () -> Void) -> Int? {
        let id: Int? = state.withLock { state in
            guard !state.departed else { return nil }
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

    func signal() {
        let actions = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.departed else { return [] }
            state.departed = true
            defer { state.actions = [:] }
            return Array(state.actions.values)
        }
        for action in actions { action() }
    }

    /// Runs `body` with `action` armed for the client's departure, disarmed when `body` ends.
    func whileServing<Value>(onDeparture action: @escaping @Sendable () -> Void, _ body: () async throws -> Value) async rethrows -> Value {
        let id = onDeparture(action)
        defer { forget(id) }
        return try await body()
    }
}

extension Channel {
    /// This connection's ``ClientDeparture`` (nil outside the gateway's HTTP channel).
    var clientDeparture: ClientDeparture? {
        get async {
            try? await eventLoop.submit {
                try self.pipeline.syncOperations.handler(type: ConnectionGateHandler.self).departure
            }.get()
        }
    }
}
