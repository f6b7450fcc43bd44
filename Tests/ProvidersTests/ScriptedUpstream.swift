import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A loopback HTTP/1.1 server whose misbehaviour is chosen by the request path's first
/// segment, for testing the upstream client's connection handling against real sockets.
///
/// - `/ok/…`: 200 JSON, keep-alive.
/// - `/close/…`: 200 JSON with `Connection: close`.
/// - `/idle-close/…`: 200 JSON, keep-alive, then the server drops the idle connection.
/// - `/stall/…`: reads the request, never answers.
/// - `/cut/…`: promises 100 bytes, sends 10, closes.
/// - `/reset/…`: reads the request, then resets the connection (RST) without answering.
/// - `/slow/…`: 200 JSON after 100 ms.
/// - `/stream/…`: three chunks 30 ms apart.
/// - `/stray/…`: 200 JSON, keep-alive, and in the same write a second answer nobody asked for.
final class ScriptedUpstream: Sendable {
    private struct Counters {
        var opened = 0
        var open = 0
        var maxOpen = 0
    }

    let port: Int
    private let channel: any Channel
    private let counting: CountingBox

    /// Connections accepted so far.
    var connectionsOpened: Int { counting.counters.withLock { $0.opened } }
    /// Most connections open at one time.
    var maxConcurrentConnections: Int { counting.counters.withLock { $0.maxOpen } }

    /// - Parameter tls: serve https with this certificate chain and key.
    static func start(tls: NIOSSLContext? = nil) async throws -> ScriptedUpstream {
        let counting = CountingBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .childChannelInitializer { channel in
                counting.opened()
                channel.closeFuture.whenComplete { _ in counting.closed() }
                return channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ScriptHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedUpstream(port: channel.localAddress?.port ?? 0, channel: channel, counting: counting)
    }

    private init(port: Int, channel: any Channel, counting: CountingBox) {
        self.port = port
        self.channel = channel
        self.counting = counting
    }

    func baseURL(_ behaviour: String, scheme: String = "http", host: String = "127.0.0.1") -> String {
        "\(scheme)://\(host):\(port)/\(behaviour)/v1"
    }

    func stop() async throws {
        try await channel.close()
    }

    private final class CountingBox: Sendable {
        let counters = Mutex(Counters())
        func opened() {
            counters.withLock {
                $0.opened += 1
                $0.open += 1
                $0.maxOpen = max($0.maxOpen, $0.open)
            }
        }
        func closed() { counters.withLock { $0.open -= 1 } }
    }
}

private final class ScriptHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var path = ""

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): path = head.uri
        case .body: break
        case .end: respond(context: context)
        }
    }

    private func respond(context: ChannelHandlerContext) {
        let behaviour = path.split(separator: "/").first.map(String.init) ?? "ok"
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        switch behaviour {
        case "close":
            answer(context, json: #"{"ok":"close"}"#, close: true)
        case "idle-close":
            answer(context, json: #"{"ok":"idle-close"}"#)
            loop.scheduleTask(in: .milliseconds(50)) { bound.value.1.close(promise: nil) }
        case "stall":
            break
        case "stray":
            // The body holds what its length promised, then a whole second answer.
            let json = #"{"ok":"stray"}"#
            var head = HTTPResponseHead(version: .http1_1, status: .ok)
            head.headers.add(name: "content-type", value: "application/json")
            head.headers.add(name: "content-length", value: String(json.utf8.count))
            let stray = json + "HTTP/1.1 200 OK\r\ncontent-length: 13\r\n\r\n{\"ok\":\"late\"}"
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: stray)))), promise: nil)
        case "reset":
            // SO_LINGER 0: close sends RST, as a crashed or overloaded provider's host does.
            let channel = context.channel
            let lingering = (channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
            (lingering ?? loop.makeSucceededVoidFuture()).whenComplete { _ in channel.close(promise: nil) }
        case "cut":
            var head = HTTPResponseHead(version: .http1_1, status: .ok)
            head.headers.add(name: "content-length", value: "100")
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "0123456789")))), promise: nil)
            loop.scheduleTask(in: .milliseconds(20)) { bound.value.1.close(promise: nil) }
        case "slow":
            loop.scheduleTask(in: .milliseconds(100)) { bound.value.0.answer(bound.value.1, json: #"{"ok":"slow"}"#) }
        case "stream":
            var head = HTTPResponseHead(version: .http1_1, status: .ok)
            head.headers.add(name: "content-type", value: "text/event-stream")
            head.headers.add(name: "transfer-encoding", value: "chunked")
            context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
            for index in 0..<3 {
                loop.scheduleTask(in: .milliseconds(Int64(30 * (index + 1)))) {
                    let (handler, context) = bound.value
                    let event = ByteBuffer(string: "data: \(index)\n\n")
                    context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(event))), promise: nil)
                    if index == 2 { context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil) }
                }
            }
        default:
            answer(context, json: #"{"ok":"ok"}"#)
        }
    }

    private func answer(_ context: ChannelHandlerContext, json: String, close: Bool = false) {
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "content-type", value: "application/json")
        head.headers.add(name: "content-length", value: String(json.utf8.count))
        if close { head.headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: json)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
