// Opens N concurrent OpenAI chat streams against a base URL from one event loop, and reports how
// they went as one JSON line: how many completed (saw `[DONE]`) or failed and why, time to the
// first content chunk and to the end (p50/p99, ms), the chunks received, the wall time.
//
//   StreamLoadBenchmark URL KEY STREAMS [RAMP_SECONDS]
//
// Benchmarks/streams.sh runs it against the mock provider directly and through the gateway.
// Compiled and on one thread so thousands of streams cost the load generator little CPU: the
// Python client it replaces needed more than the core it shared with the mock at 1,000 streams.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// What to run, from the command line.
struct Options: Sendable {
    let host: String
    let port: Int
    let key: String
    let streams: Int
    let ramp: Double
    let body = #"{"model":"bench-model","stream":true,"messages":[{"role":"user","content":"Stream a long answer."}]}"#

    init?(_ arguments: [String]) {
        guard arguments.count >= 4, let url = URL(string: arguments[1]), let host = url.host, let port = url.port,
            let streams = Int(arguments[3])
        else { return nil }
        (self.host, self.port, self.key, self.streams) = (host, port, arguments[2], streams)
        self.ramp = arguments.count > 4 ? Double(arguments[4]) ?? 1 : 1
    }
}

/// How one stream ended.
enum Outcome {
    case completed(firstChunk: Double, end: Double, chunks: Int)
    case failed(String)
}

/// Every stream's outcome; touched only on the one event loop.
final class Tally: @unchecked Sendable {
    var outcomes: [Outcome] = []
    let expected: Int
    let done: EventLoopPromise<Void>
    init(expected: Int, done: EventLoopPromise<Void>) { (self.expected, self.done) = (expected, done) }

    func add(_ outcome: Outcome) {
        outcomes.append(outcome)
        if outcomes.count == expected { done.succeed() }
    }
}

/// One stream: sends the request when connected, counts content chunks as they arrive (raw
/// bytes: a marker split across two reads is missed, rarely), and reports once.
final class StreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let options: Options
    let tally: Tally
    let started = ContinuousClock.now
    var firstChunk: Double?
    var chunks = 0
    var tail: [UInt8] = []
    var reported = false

    init(options: Options, tally: Tally) { (self.options, self.tally) = (options, tally) }

    func channelActive(context: ChannelHandlerContext) {
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/chat/completions")
        head.headers.add(name: "host", value: "\(options.host):\(options.port)")
        head.headers.add(name: "authorization", value: "Bearer \(options.key)")
        head.headers.add(name: "content-type", value: "application/json")
        head.headers.add(name: "content-length", value: "\(options.body.utf8.count)")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: options.body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head) where head.status != .ok:
            report(.failed("status \(head.status.code)"), context: context)
        case .head:
            break
        case .body(let buffer):
            let bytes = buffer.readableBytesView
            let tokens = count(#""content":""#, in: bytes) - count(#""content":"""#, in: bytes)
            if tokens > 0 {
                chunks += tokens
                if firstChunk == nil { firstChunk = seconds() }
            }
            tail = Array((tail + bytes).suffix(64))
        case .end:
            let done = String(decoding: tail, as: UTF8.self).contains("data: [DONE]")
            report(
                done ? .completed(firstChunk: firstChunk ?? seconds(), end: seconds(), chunks: chunks) : .failed("ended before [DONE]"),
                context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        report(.failed(String(describing: type(of: error))), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        report(.failed("closed early"), context: context)
    }

    private func report(_ outcome: Outcome, context: ChannelHandlerContext) {
        guard !reported else { return }
        reported = true
        tally.add(outcome)
        context.close(promise: nil)
    }

    private func seconds() -> Double {
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    private func count(_ marker: String, in bytes: ByteBufferView) -> Int {
        let needle = Array(marker.utf8)
        var found = 0
        var index = bytes.startIndex
        while let start = bytes[index...].firstIndex(of: needle[0]) {
            if bytes[start...].starts(with: needle) { found += 1 }
            index = bytes.index(after: start)
        }
        return found
    }
}

@main
enum StreamLoad {
    static func main() throws {
        guard let options = Options(CommandLine.arguments) else {
            FileHandle.standardError.write("usage: StreamLoadBenchmark URL KEY STREAMS [RAMP_SECONDS]\n".data(using: .utf8)!)
            exit(2)
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let tally = Tally(expected: options.streams, done: loop.makePromise())
        let began = ContinuousClock.now
        for index in 0..<options.streams {
            loop.scheduleTask(in: .nanoseconds(Int64(options.ramp * 1e9 * Double(index) / Double(max(options.streams, 1))))) {
                connect(on: loop, options: options, tally: tally).whenFailure { error in
                    tally.add(.failed(String(describing: type(of: error))))
                }
            }
        }
        try tally.done.futureResult.wait()

        var firstChunks: [Double] = []
        var ends: [Double] = []
        var chunks = 0
        var errors: [String: Int] = [:]
        for outcome in tally.outcomes {
            switch outcome {
            case .completed(let firstChunk, let end, let count):
                firstChunks.append(firstChunk)
                ends.append(end)
                chunks += count
            case .failed(let reason):
                errors[reason, default: 0] += 1
            }
        }
        let wall = ContinuousClock.now - began
        let summary: [String: Any] = [
            "streams": options.streams, "completed": firstChunks.count, "failed": options.streams - firstChunks.count, "errors": errors,
            "ttft_p50_ms": percentile(firstChunks, 0.5) ?? NSNull(), "ttft_p99_ms": percentile(firstChunks, 0.99) ?? NSNull(),
            "total_p50_ms": percentile(ends, 0.5) ?? NSNull(), "total_p99_ms": percentile(ends, 0.99) ?? NSNull(),
            "chunks": chunks, "wall_s": Double(wall.components.seconds),
        ]
        let line = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: line, as: UTF8.self))
        try group.syncShutdownGracefully()
    }

    static func connect(on loop: any EventLoop, options: Options, tally: Tally) -> EventLoopFuture<any Channel> {
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(60))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(StreamHandler(options: options, tally: tally))
                }
            }
            .connect(host: options.host, port: options.port)
    }

    /// The value at quantile `q` of `values` (nearest rank), in milliseconds.
    static func percentile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return (sorted[min(sorted.count - 1, Int(q * Double(sorted.count - 1) + 0.5))] * 10_000).rounded() / 10
    }
}
