import NIOCore
import NIOPosix

/// A free TCP port on 127.0.0.1, found by binding port 0 and releasing it.
///
/// Another process could take the port in between; acceptable for offline mocks, which
/// fail loudly at start if it happens.
func reserveLoopbackPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 0
    try await channel.close()
    return port
}
