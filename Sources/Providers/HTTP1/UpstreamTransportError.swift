/// What can go wrong on an upstream connection below HTTP status codes.
///
/// Kept separate from ``UpstreamFailure`` (which is about a provider) so the connection layer
/// stays provider-agnostic; ``UpstreamClients`` classifies these into failures.
enum UpstreamTransportError: Error, Sendable, Equatable {
    /// No byte arrived for the read timeout while the gateway was waiting for one.
    case readTimeout
    /// The connection could not be opened within the connect timeout.
    case connectTimeout
    /// The peer closed the connection before sending a response head.
    case closedBeforeResponse
    /// The peer closed the connection in the middle of a response body.
    case closedMidBody
    /// The peer reset the connection (ECONNRESET, EPIPE) after it was opened.
    case resetBeforeResponse
    case resetMidBody
    /// The pool is shut down (the gateway is stopping).
    case poolClosed
}
