/// Thrown by ``withDeadline(_:operation:)`` when the operation outlives its time.
public struct DeadlineExceeded: Error, Sendable, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "no answer within \(limit)" }
}

/// Runs `operation`, cancelling it after `limit`: a database query on the request path (a key
/// lookup, a budget top-up) must never hold a request longer than that while the database is
/// away — postgres-nio's pool waits for a connection for as long as it keeps retrying.
public func withDeadline<Value: Sendable>(
    _ limit: Duration, operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DeadlineExceeded(limit: limit) }
        return value
    }
}
