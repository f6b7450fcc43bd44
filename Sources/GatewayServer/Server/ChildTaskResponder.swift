import Hummingbird

/// Answers each request in a child task of the connection's task.
///
/// Why: a task keeps the memory its deepest chain of calls took until the task ends — the
/// runtime's task allocator frees nothing sooner — and the connection's task lives on while a
/// stream's body is relayed and while the connection waits for its next request. Routing, the
/// attempts and the middlewares take tens of kilobytes; answered in a child, they are freed when
/// it returns the response, and an open stream or idle connection keeps a few (callgrind and
/// massif figures in docs/benchmarks.md).
struct ChildTaskResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context: Sendable {
    let inner: Inner

    @concurrent func respond(to request: Request, context: Inner.Context) async throws -> Response {
        async let response = inner.respond(to: request, context: context)
        return try await response
    }
}
