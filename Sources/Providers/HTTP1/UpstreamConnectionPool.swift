import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Keep-alive connections to one provider: reused last-in first-out, capped at
/// `max_connections` open at once (callers beyond the cap wait, up to the connect timeout).
///
/// Why a pool of our own rather than a general-purpose client's: see ``UpstreamExchangeHandler``.
final class UpstreamConnectionPool: Sendable {
    struct Target: Sendable {
        let host: String
        let port: Int
        let tls: NIOSSLContext?
        let connectTimeout: TimeAmount
        let maxConnections: Int
        /// Idle connections older than this are closed instead of reused.
        let idleTimeout: Duration
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<UpstreamConnection?, any Error>
    }

    private struct State {
        var idle: [UpstreamConnection] = []
        /// Connections open or being opened, idle ones included.
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var closed = false
        /// Connections handed out for an exchange, so a stopping gateway can end them at once.
        var leased: [ObjectIdentifier: UpstreamConnection] = [:]
    }

    let target: Target
    private let eventLoopGroup: any EventLoopGroup
    private let state = Mutex(State())

    init(target: Target, eventLoopGroup: any EventLoopGroup) {
        self.target = target
        self.eventLoopGroup = eventLoopGroup
    }

    /// Connections in use, idle, and exchanges waiting for one, now.
    var occupancy: PoolOccupancy {
        state.withLock { PoolOccupancy(inUse: max(0, $0.open - $0.idle.count), idle: $0.idle.count, waiting: $0.waiters.count) }
    }

    /// A connection for one exchange: an idle one if any is still open, else a new one.
    func lease() async throws -> UpstreamConnection {
        enum Next {
            case reuse(UpstreamConnection)
            case connect, wait
        }
        while true {
            var stale: [UpstreamConnection] = []
            let next: Next = try state.withLock { state in
                guard !state.closed else { throw UpstreamTransportError.poolClosed }
                while let connection = state.idle.popLast() {
                    if connection.isOpen && connection.idleDuration < target.idleTimeout {
                        state.leased[ObjectIdentifier(connection)] = connection
                        return .reuse(connection)
                    }
                    stale.append(connection)
                    state.open -= 1
                }
                if state.open < target.maxConnections {
                    state.open += 1
                    return .connect
                }
                return .wait
            }
            for connection in stale { connection.close() }
            switch next {
            case .reuse(let connection):
                return connection
            case .connect:
                return try await connect()
            case .wait:
                // Woken with a connection handed over, or with nil when a slot freed up.
                if let connection = try await waitForConnection() { return connection }
            }
        }
    }

    /// Returns a connection after an exchange; `reusable` says whether it ended cleanly on a
    /// keep-alive connection.
    func release(_ connection: UpstreamConnection, reusable: Bool) {
        enum Outcome {
            case pooled
            case handedOver(Waiter)
            case closed(wake: Waiter?)
        }
        let keep = reusable && connection.isOpen
        if keep { connection.markIdle() }
        let outcome = state.withLock { state -> Outcome in
            if keep && !state.closed {
                if !state.waiters.isEmpty { return .handedOver(state.waiters.removeFirst()) }  // stays leased
                state.leased[ObjectIdentifier(connection)] = nil
                state.idle.append(connection)
                return .pooled
            }
            state.leased[ObjectIdentifier(connection)] = nil
            state.open -= 1
            return .closed(wake: state.waiters.isEmpty ? nil : state.waiters.removeFirst())
        }
        switch outcome {
        case .pooled:
            break
        case .handedOver(let waiter):
            waiter.continuation.resume(returning: connection)
        case .closed(let waiter):
            connection.close()
            // A slot freed up: the waiter loops round and opens a connection of its own.
            waiter?.continuation.resume(returning: nil)
        }
    }

    /// Closes idle connections and refuses new leases; exchanges in flight finish — or, with
    /// `abortingExchanges`, end at once (their connections closed under them).
    func shutdown(abortingExchanges: Bool = false) {
        let (idle, waiters, leased) = state.withLock { state in
            state.closed = true
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters, abortingExchanges ? Array(state.leased.values) : [])
        }
        for connection in idle + leased { connection.close() }
        for waiter in waiters { waiter.continuation.resume(throwing: UpstreamTransportError.poolClosed) }
    }

    private func connect() async throws -> UpstreamConnection {
        do {
            let connection = try await UpstreamConnection.connect(
                host: target.host, port: target.port, tls: target.tls, connectTimeout: target.connectTimeout,
                on: eventLoopGroup.any())
            let closed = state.withLock { state in
                if !state.closed { state.leased[ObjectIdentifier(connection)] = connection }
                return state.closed
            }
            if closed {
                connection.close()
                throw UpstreamTransportError.poolClosed
            }
            return connection
        } catch {
            let waiter: Waiter? = state.withLock { state in
                state.open -= 1
                return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
            }
            waiter?.continuation.resume(returning: nil)
            throw error
        }
    }

    /// Waits for a released connection, at most the connect timeout.
    private func waitForConnection() async throws -> UpstreamConnection? {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        let timeout = eventLoopGroup.any().scheduleTask(in: target.connectTimeout) { [self] in
            removeWaiter(id)?.continuation.resume(throwing: UpstreamTransportError.connectTimeout)
        }
        defer { timeout.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let enqueued = state.withLock { state in
                    guard !state.closed else { return false }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return true
                }
                if !enqueued {
                    continuation.resume(throwing: UpstreamTransportError.poolClosed)
                } else if Task.isCancelled {
                    removeWaiter(id)?.continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            removeWaiter(id)?.continuation.resume(throwing: CancellationError())
        }
    }

    private func removeWaiter(_ id: UInt64) -> Waiter? {
        state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
    }
}
