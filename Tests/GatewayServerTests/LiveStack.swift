import AsyncHTTPClient
import Foundation
import GatewayConfig
import GatewayModel
import GatewayServer
import Hummingbird
import Logging
import Metering
import MeteringSQLite
import MockProvider
import NIOCore
import NIOHTTP1
import Providers
import Routing

/// A gateway and its mock providers running for real on loopback ports, for one test.
struct LiveStack {
    static let clientKey = "sy-test-key"
    let gatewayURL: String
    let mocks: [String: MockProvider]
    let ledger: SQLiteLedger
    let meter: UsageMeter

    /// A provider for the stack: a live mock, or a name whose URL points at a closed port.
    struct ProviderSpec {
        var name: String
        var mock: MockProviderOptions?
        var readTimeoutMilliseconds = 5_000
        /// The wire format the gateway speaks to it (the mock serves all three).
        var dialect = WireFormat.openAI

        static func mock(
            _ name: String, _ options: MockProviderOptions = .init(), readTimeoutMilliseconds: Int = 5_000,
            dialect: WireFormat = .openAI
        ) -> Self {
            var options = options
            options.name = name
            return ProviderSpec(name: name, mock: options, readTimeoutMilliseconds: readTimeoutMilliseconds, dialect: dialect)
        }

        static func unreachable(_ name: String) -> Self { ProviderSpec(name: name, mock: nil) }
    }

    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    /// Starts mocks, then the gateway with a `chat` route over `providers` in order, runs `body`, stops all.
    static func run(
        _ providers: [ProviderSpec], maxBodyBytes: Int = ServerSettings.defaultMaxBodyBytes,
        usageJournal: String? = nil, journalLimit: Int = 1 << 30,
        _ body: @Sendable (LiveStack) async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var mocks: [String: MockProvider] = [:]
            var configurations: [ProviderConfiguration] = []
            for spec in providers {
                let baseURL: String
                if let options = spec.mock {
                    let mock = MockProvider(options: options)
                    let port = try await start(in: &group) { onRunning in
                        mock.application(port: 0, logger: logger, onServerRunning: onRunning)
                    }
                    mocks[spec.name] = mock
                    let suffix = ["openai": "/v1", "anthropic": "", "gemini": "/v1beta"][spec.dialect.rawValue] ?? ""
                    baseURL = "http://127.0.0.1:\(port)\(suffix)"
                } else {
                    baseURL = "http://127.0.0.1:1/v1"  // nothing listens on port 1
                }
                configurations.append(
                    ProviderConfiguration(
                        name: spec.name, dialect: spec.dialect, baseURL: baseURL, apiKey: .literal(Secret("sk-provider-\(spec.name)")),
                        connectTimeoutMilliseconds: 1_000, readTimeoutMilliseconds: spec.readTimeoutMilliseconds,
                        models: [
                            ModelOffering(
                                name: "\(spec.name)-model", upstreamName: "\(spec.name)-upstream",
                                price: ModelPrice(inputPerMillion: 1, outputPerMillion: 2, currency: "USD"))
                        ]))
            }
            let configuration = GatewayConfiguration(
                server: ServerSettings(host: "127.0.0.1", port: 0, maxBodyBytes: maxBodyBytes),
                ledger: .sqlite(path: ":memory:"),
                providers: configurations,
                routes: [
                    RouteConfiguration(
                        name: "chat", targets: configurations.map { ModelReference(provider: $0.name, model: $0.models[0].name) })
                ],
                tenants: [TenantConfiguration(name: "demo")])
            let ledger = try await SQLiteLedger.open(path: ":memory:")
            try await ledger.migrate()
            let keys = KeyDirectory(fixedKeys: [VirtualKey.hash(clientKey): AuthenticatedKey(id: "key_test", tenant: "demo")])
            let resolution = ProviderResolution(configuration: configuration, environment: [:], mode: .off)
            let endpoints = resolution.endpoints(for: configuration, environment: [:])
            try await UpstreamClients.withClients(for: endpoints.values, logger: logger) { upstream in
                let meter = try UsageMeter(ledger: ledger, journalPath: usageJournal, journalLimit: journalLimit, logger: logger)
                let gateway = Gateway(
                    configuration: configuration, planner: RoutePlanner(configuration: configuration),
                    endpoints: endpoints, upstream: upstream, keys: keys,
                    ledger: ledger, logger: logger, meter: meter)
                let port = try await start(in: &group) { onRunning in gateway.makeApplication(onServerRunning: onRunning) }
                try await body(LiveStack(gatewayURL: "http://127.0.0.1:\(port)", mocks: mocks, ledger: ledger, meter: meter))
            }
            group.cancelAll()
            try await ledger.close()
        }
    }

    /// Runs an application in `group` and returns the port it bound.
    private static func start<App: ApplicationProtocol>(
        in group: inout ThrowingTaskGroup<Void, any Error>,
        _ make: (@escaping @Sendable (any Channel) async -> Void) -> App
    ) async throws -> Int {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = make { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }
        group.addTask { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return port
    }

    /// Posts JSON to the gateway; returns status, headers and the whole body.
    func post(
        _ path: String, json: String, key: String? = LiveStack.clientKey, contentType: String = "application/json"
    ) async throws -> (status: Int, headers: [String: String], body: String) {
        var request = HTTPClientRequest(url: gatewayURL + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: contentType)
        if let key { request.headers.add(name: "authorization", value: "Bearer \(key)") }
        request.body = .bytes(ByteBuffer(string: json))
        return try await send(request)
    }

    func get(_ path: String, key: String? = LiveStack.clientKey) async throws -> (status: Int, headers: [String: String], body: String) {
        var request = HTTPClientRequest(url: gatewayURL + path)
        if let key { request.headers.add(name: "authorization", value: "Bearer \(key)") }
        return try await send(request)
    }

    private func send(_ request: HTTPClientRequest) async throws -> (status: Int, headers: [String: String], body: String) {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return (Int(response.status.code), headers, String(buffer: body))
    }

    static func chat(model: String = "chat", stream: Bool = false, extra: String = "") -> String {
        #"{"model":"\#(model)","stream":\#(stream),"messages":[{"role":"user","content":"What is a switchyard?"}]\#(extra)}"#
    }

    /// The JSON payloads of an SSE body, `[DONE]` included.
    static func events(_ body: String) -> [String] {
        namedEvents(body).map(\.data)
    }

    /// Each SSE event's name (`event:`, empty when absent) and data.
    static func namedEvents(_ body: String) -> [(name: String, data: String)] {
        body.components(separatedBy: "\n\n").compactMap { block in
            var name = ""
            var data: String?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            return data.map { (name, $0) }
        }
    }

    static func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }
}
