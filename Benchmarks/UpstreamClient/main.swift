import AsyncHTTPClient
import Foundation
import GatewayConfig
import GatewayModel
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Providers

/// Measures the upstream leg alone: chat requests posted to a mock provider by N concurrent
/// workers for D seconds, pinned by the caller (taskset). Prints requests/s and CPU µs per
/// request, to tell how much of the gateway's per-request cost is its HTTP client.
///
/// `switchyard` runs the gateway's own upstream client (`UpstreamClients`); `ahc` runs
/// AsyncHTTPClient configured as the gateway used to configure it — the comparison that
/// justified writing the former.
///
///   UpstreamClientBenchmark switchyard|ahc HOST PORT [connections] [seconds]
@main
enum UpstreamClientBenchmark {
    static func main() async throws {
        NIOSingletons.groupLoopCountSuggestion = 1
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let arguments = CommandLine.arguments
        guard arguments.count >= 4, ["switchyard", "ahc"].contains(arguments[1]), let port = Int(arguments[3]) else {
            print("usage: UpstreamClientBenchmark switchyard|ahc HOST PORT [connections] [seconds]")
            return
        }
        let host = arguments[2]
        let connections = arguments.count > 4 ? Int(arguments[4]) ?? 64 : 64
        let seconds = arguments.count > 5 ? Double(arguments[5]) ?? 5 : 5
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let started = ProcessInfo.processInfo.systemUptime
        let cpuBefore = cpuTime()
        let total =
            arguments[1] == "switchyard"
            ? try await runSwitchyard(host: host, port: port, connections: connections, until: deadline)
            : try await runAsyncHTTPClient(host: host, port: port, connections: connections, until: deadline)
        let elapsed = ProcessInfo.processInfo.systemUptime - started
        let cpu = cpuTime() - cpuBefore
        print(
            String(
                format: "RESULT client=%@ conns=%d rps=%.0f cpu_us_per_request=%.1f requests=%d", arguments[1], connections,
                Double(total) / elapsed, cpu * 1e6 / Double(total), total))
    }

    static let body = Array(
        #"{"model":"bench-model","messages":[{"role":"user","content":"Summarise the quarterly report in one line."}]}"#.utf8)

    static let logger = {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        return logger
    }()

    /// The gateway's own upstream path: `UpstreamClients.post` with a provider's endpoint.
    static func runSwitchyard(host: String, port: Int, connections: Int, until deadline: ContinuousClock.Instant) async throws -> Int {
        let provider = ProviderConfiguration(name: "bench", dialect: .openAI, baseURL: "http://\(host):\(port)/v1")
        let endpoint = UpstreamEndpoint(configuration: provider, apiKey: Secret("bench-key"))
        return try await UpstreamClients.withClients(for: [endpoint], logger: logger) { upstream in
            try await sumOverWorkers(connections) {
                var count = 0
                while ContinuousClock.now < deadline {
                    let response = try await upstream.post(body, to: endpoint, requestID: "bench", logger: logger)
                    _ = try await response.collect(upTo: 1 << 20)
                    count += 1
                }
                return count
            }
        }
    }

    /// AsyncHTTPClient with the pool, timeouts and tracing settings the gateway once used.
    static func runAsyncHTTPClient(host: String, port: Int, connections: Int, until deadline: ContinuousClock.Instant) async throws -> Int {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(120))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.tracing.tracer = nil
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        defer { _ = client.shutdown() }
        return try await sumOverWorkers(connections) {
            var count = 0
            while ContinuousClock.now < deadline {
                var request = HTTPClientRequest(url: "http://\(host):\(port)/v1/chat/completions")
                request.method = .POST
                request.headers.add(name: "content-type", value: "application/json")
                request.headers.add(name: "authorization", value: "Bearer bench-key")
                request.body = .bytes(ByteBuffer(bytes: body))
                let response = try await client.execute(request, timeout: .seconds(120), logger: logger)
                _ = try await response.body.collect(upTo: 1 << 20)
                count += 1
            }
            return count
        }
    }

    /// Runs `worker` `count` times concurrently and adds up the requests each completed.
    static func sumOverWorkers(_ count: Int, _ worker: @escaping @Sendable @concurrent () async throws -> Int) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<count { group.addTask(operation: worker) }
            var total = 0
            for try await completed in group { total += completed }
            return total
        }
    }

    static func cpuTime() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }
}
