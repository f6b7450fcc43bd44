import Hummingbird

/// `HEAD` on any GET endpoint answers as `GET` would — status and headers, `content-length`
/// included — without the body (RFC 9110 §9.3.2). It wraps the whole router, since
/// Hummingbird matches a route by method before any middleware runs.
struct HeadAsGetResponder<Inner: HTTPResponder>: HTTPResponder {
    let inner: Inner

    @concurrent func respond(to request: Request, context: Inner.Context) async throws -> Response {
        guard request.method == .head else { return try await inner.respond(to: request, context: context) }
        var head = request.head
        head.method = .get
        let response = try await inner.respond(to: Request(head: head, body: request.body), context: context)
        return Response(status: response.status, headers: response.headers, body: ResponseBody())
    }
}
