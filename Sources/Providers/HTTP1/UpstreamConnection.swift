import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// One keep-alive HTTP/1.1 connection to a provider, used by one request at a time.
///
/// The async face of ``UpstreamExchangeHandler``: every call hops onto the channel's event
/// loop, where the exchange state lives. Cancelling a waiting task closes the connection,
/// which fails the wait — a cancelled exchange never leaves a connection half-read.
final class UpstreamConnection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<UpstreamExchangeHandler>
    /// Set once the connection has carried an exchange; a stale reused connection may be
    /// retried once, a fresh one never.
    private let used = Atomic<Bool>(false)
    private let idleSince = Mutex<ContinuousClock.Instant>(.now)

    private init(channel: any Channel, handler: NIOLoopBound<UpstreamExchangeHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// Opens a connection; `tls` is set for https providers.
    static func connect(
        host: String, port: Int, tls: NIOSSLContext?, connectTimeout: TimeAmount, on eventLoop: any EventLoop
    ) async throws -> UpstreamConnection {
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.autoRead, value: false)
        do {
            return try await bootstrap.connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: Self.sniName(host)))
                    }
                    try pipeline.addHTTPClientHandlers()
                    let handler = UpstreamExchangeHandler()
                    try pipeline.addHandler(handler)
                    return UpstreamConnection(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }
            }
        } catch ChannelError.connectTimeout {
            throw UpstreamTransportError.connectTimeout
        }
    }

    /// SNI carries names only, never IP literals.
    private static func sniName(_ host: String) -> String? {
        host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host
    }

    /// Whether the connection has carried an exchange before this one.
    var wasUsed: Bool { used.load(ordering: .relaxed) }

    var idleDuration: Duration { ContinuousClock.now - idleSince.withLock { $0 } }

    /// Sends a request and waits for the response head; the body follows through ``nextBody()``.
    func send(head: HTTPRequestHead, body: ByteBuffer, readTimeout: TimeAmount) async throws -> HTTPResponseHead {
        used.store(true, ordering: .relaxed)
        let handler = self.handler
        let eventLoop = channel.eventLoop
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                Self.onLoop(eventLoop) {
                    handler.value.start(head: head, body: body, readTimeout: readTimeout, continuation: continuation)
                }
            }
        } onCancel: {
            self.close()
        }
    }

    /// The next body bytes, or nil when the response is complete.
    func nextBody() async throws -> ByteBuffer? {
        let handler = self.handler
        let eventLoop = channel.eventLoop
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                Self.onLoop(eventLoop) { handler.value.nextBody(continuation: continuation) }
            }
        } onCancel: {
            self.close()
        }
    }

    /// Runs `work` on `eventLoop`: at once when already there (the usual case, since Swift
    /// concurrency runs on NIO's loops), else as a task on it.
    private static func onLoop(_ eventLoop: any EventLoop, _ work: @escaping @Sendable () -> Void) {
        if eventLoop.inEventLoop { work() } else { eventLoop.execute(work) }
    }

    /// Whether the socket is still open (thread-safe).
    var isOpen: Bool { channel.isActive }

    func markIdle() {
        idleSince.withLock { $0 = .now }
    }

    func close() {
        channel.close(promise: nil)
    }
}
