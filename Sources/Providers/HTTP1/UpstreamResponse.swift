public import NIOCore
public import NIOHTTP1
import Synchronization

/// A provider's answer whose head has arrived and whose body is read on demand.
///
/// Read the body to its end with ``next()`` (or ``collect(upTo:)``) and the connection goes
/// back to the pool; drop the response earlier and the connection is closed, since a
/// half-read connection can't carry another request.
public final class UpstreamResponse: Sendable {
    public let status: HTTPResponseStatus
    public let headers: HTTPHeaders
    let provider: String
    private let connection: UpstreamConnection
    private let pool: UpstreamConnectionPool
    private let released = Atomic<Bool>(false)
    /// The provider allows another request on this connection after this answer.
    private let keepAlive: Bool

    init(head: HTTPResponseHead, provider: String, connection: UpstreamConnection, pool: UpstreamConnectionPool) {
        self.status = head.status
        self.headers = head.headers
        self.provider = provider
        self.connection = connection
        self.pool = pool
        self.keepAlive = head.isKeepAlive
    }

    /// The next body bytes as they arrive, or nil at the end of the answer.
    public func next() async throws(UpstreamFailure) -> ByteBuffer? {
        do {
            guard let chunk = try await connection.nextBody() else {
                release(reusable: keepAlive)
                return nil
            }
            return chunk
        } catch {
            release(reusable: false)
            throw UpstreamClients.classify(error, provider: provider)
        }
    }

    /// The whole body, failing when it exceeds `limit` bytes.
    public func collect(upTo limit: Int) async throws(UpstreamFailure) -> ByteBuffer {
        var body: ByteBuffer?
        while var chunk = try await next() {
            guard (body?.readableBytes ?? 0) + chunk.readableBytes <= limit else {
                release(reusable: false)
                throw UpstreamFailure(provider: provider, kind: .malformedResponse, detail: "the answer exceeds \(limit) bytes")
            }
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
        }
        return body ?? ByteBuffer()
    }

    /// After the answer's last event: reads what is left of the response (the chunked
    /// encoding's end, at most a few KiB) so the connection can be reused, closing it instead
    /// when the provider doesn't end its response within `grace` — a provider that sends
    /// `[DONE]` and keeps the response open must not hold anything of the gateway's.
    public func finish(within grace: Duration) async {
        let ended = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                var left = 16 << 10
                do {
                    while let chunk = try await self.next() {
                        left -= chunk.readableBytes
                        if left < 0 { return false }
                    }
                    return true
                } catch {
                    return false
                }
            }
            group.addTask {
                try? await Task.sleep(for: grace)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !ended { discard() }
    }

    /// Gives up on the rest of the body: the connection is closed, not reused.
    public func discard() {
        release(reusable: false)
    }

    private func release(reusable: Bool) {
        guard !released.exchange(true, ordering: .relaxed) else { return }
        pool.release(connection, reusable: reusable)
    }

    deinit {
        if !released.load(ordering: .relaxed) { pool.release(connection, reusable: false) }
    }
}
