import GatewayConfig
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1 channel with the gateway's connection handling around it: the
/// connection cap and time limits (``ConnectionGateHandler``, ``RequestDeadlineHandler``) and
/// HTTP/1.0 and parser-error answers (``HTTPProtocolHandler``). Hummingbird's own handlers
/// see HTTP-types parts, after the HTTP version and raw bytes are gone, so these sit before them.
struct GatewayHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let limits: ConnectionLimits

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let deadlines = RequestDeadlineHandler(limits: limits)
            try pipeline.addHandler(ConnectionGateHandler(limits: limits, deadlines: deadlines), position: .first)
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandlers([deadlines, HTTPProtocolHandler()], position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with the gateway's connection limits (`server:` in Routes/).
    static func gateway(_ limits: ConnectionLimits) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            GatewayHTTP1Channel(inner: HTTP1Channel(responder: responder), limits: limits)
        }
    }
}
