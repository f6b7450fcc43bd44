import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Measures the upstream leg alone: AsyncHTTPClient posting chat requests to a mock provider,
/// N concurrent workers for D seconds, pinned by the caller (taskset). Prints requests/s and
/// CPU µs per request, to tell how much of the gateway's per-request cost is its HTTP client.
///
///   upstream-client-benchmark URL [connections] [seconds]
@main
enum UpstreamClientBenchmark {
    static func main() async throws {
        NIOSingletons.groupLoopCountSuggestion = 1
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else {
            print("usage: upstream-client-benchmark URL [connections] [seconds]")
            return
        }
        let url = arguments[1]
        let connections = arguments.count > 2 ? Int(arguments[2]) ?? 64 : 64
        let seconds = arguments.count > 3 ? Double(arguments[3]) ?? 5 : 5
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)
        configuration.tracing.tracer = nil
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let body = ByteBuffer(string: #"{"model":"bench-model","messages":[{"role":"user","content":"Summarise the quarterly report in one line."}]}"#)
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let cpuBefore = ProcessInfo.processInfo.systemUptime
        let usageBefore = cpuTime()
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var count = 0
                    while ContinuousClock.now < deadline {
                        var request = HTTPClientRequest(url: url)
                        request.method = .POST
                        request.headers.add(name: "content-type", value: "application/json")
                        request.body = .bytes(body)
                        let response = try await client.execute(request, timeout: .seconds(10))
                        _ = try await response.body.collect(upTo: 1 << 20)
                        count += 1
                    }
                    return count
                }
            }
            var total = 0
            for try await count in group { total += count }
            return total
        }
        let elapsed = ProcessInfo.processInfo.systemUptime - cpuBefore
        let cpu = cpuTime() - usageBefore
        print(String(format: "RESULT rps=%.0f cpu_us_per_request=%.1f requests=%d", Double(total) / elapsed, cpu * 1e6 / Double(total), total))
        try await client.shutdown()
    }

    static func cpuTime() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }
}
