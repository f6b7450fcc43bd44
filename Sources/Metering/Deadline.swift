import Synchronization

/// Thrown by ``withDeadline(_:operation:)`` when the operation outlives its time.
public struct DeadlineExceeded: Error, Sendable, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "no answer within \(limit)" }
}

/// Runs `operation`, giving up on it after `limit`: a database query on the request path (a key
/// lookup, a budget top-up) or a usage commit must never hold its caller longer than that while
/// the database is away — postgres-nio's pool waits for a connection for as long as it keeps
/// retrying.
///
/// The operation is cancelled when time is up, and the caller goes on at once without waiting
/// for it to notice: a query that ignores cancellation (a pool lease during a database restart
/// did) must not hang its caller — a task group would wait for it, and a usage meter stuck
/// there commits nothing again and keeps its process from stopping.
public func withDeadline<Value: Sendable>(
    _ limit: Duration, operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    let race = DeadlineRace<Value>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.begin(continuation)
            race.add(
                Task {
                    do {
                        race.finish(.success(try await operation()))
                    } catch {
                        race.finish(.failure(error))
                    }
                })
            race.add(
                Task {
                    try? await sleepOnEventLoop(for: limit)
                    race.finish(.failure(DeadlineExceeded(limit: limit)))
                })
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first outcome of a deadline's race — the operation's, the timer's, or the caller's
/// cancellation — resumes the caller once and cancels the others.
private final class DeadlineRace<Value: Sendable>: Sendable {
    private struct State: Sendable {
        var continuation: CheckedContinuation<Value, any Error>?
        var result: Result<Value, any Error>?
        var tasks: [Task<Void, Never>] = []
    }
    private let state = Mutex(State())

    func begin(_ continuation: CheckedContinuation<Value, any Error>) {
        let early = state.withLock { state -> Result<Value, any Error>? in
            if let result = state.result { return result }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func add(_ task: Task<Void, Never>) {
        let finished = state.withLock { state -> Bool in
            guard state.result == nil else { return true }
            state.tasks.append(task)
            return false
        }
        if finished { task.cancel() }
    }

    func finish(_ result: Result<Value, any Error>) {
        let (continuation, tasks) = state.withLock { state -> (CheckedContinuation<Value, any Error>?, [Task<Void, Never>]) in
            guard state.result == nil else { return (nil, []) }
            state.result = result
            defer {
                state.continuation = nil
                state.tasks = []
            }
            return (state.continuation, state.tasks)
        }
        continuation?.resume(with: result)
        for task in tasks { task.cancel() }
    }
}
