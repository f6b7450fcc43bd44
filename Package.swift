// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    // An `async` function runs on its caller's executor (SE-0461) instead of hopping to the
    // generic one at every call — on NIO's event loops each hop was a job enqueued and run again
    // (~115,000 instructions a JSON request, docs/benchmarks.md). The few functions that hand
    // Hummingbird's non-Sendable writers and contexts to its `async` API are `@concurrent`.
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "Switchyard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchyard", targets: ["switchyard"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter would double the build for a transport collectors also take over HTTP.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // Canonical value types every other target speaks.
        .target(name: "GatewayModel", swiftSettings: swiftSettings),
        // Byte-level JSON scanning for the same-dialect fast path.
        .target(
            name: "JSONScanning",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServerSentEvents",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GatewayConfig",
            dependencies: ["GatewayModel", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Dialects",
            dependencies: [
                "GatewayModel", "JSONScanning", "ServerSentEvents",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Routing",
            dependencies: ["GatewayModel", "GatewayConfig"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Privacy",
            dependencies: ["GatewayModel", "Dialects", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Providers",
            dependencies: [
                "GatewayModel", "GatewayConfig", "Dialects",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Metering",
            dependencies: [
                "GatewayModel", "JSONScanning",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MeteringSQLite",
            dependencies: [
                "Metering", "GatewayModel",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MeteringPostgres",
            dependencies: [
                "Metering", "GatewayModel",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GatewayServer",
            dependencies: [
                "GatewayModel", "GatewayConfig", "Dialects", "Routing", "Providers", "Metering", "JSONScanning",
                "ServerSentEvents", "Privacy",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MockProvider",
            dependencies: [
                "JSONScanning", "ServerSentEvents",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "switchyard",
            dependencies: [
                "GatewayModel", "GatewayConfig", "GatewayServer", "Metering", "MeteringSQLite", "MeteringPostgres", "MockProvider",
                "Providers", "JSONScanning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks/run.sh measures the gateway end to end; this isolates its upstream HTTP client.
        .executableTarget(
            name: "UpstreamClientBenchmark",
            dependencies: [
                "Providers", "GatewayConfig", "GatewayModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/UpstreamClient",
            swiftSettings: swiftSettings
        ),
        // Benchmarks/streams.sh's load generator: thousands of concurrent streams from one thread.
        .executableTarget(
            name: "StreamLoadBenchmark",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/StreamLoad",
            swiftSettings: swiftSettings
        ),
        // Benchmarks/RoutingDecision: the planner's cost per request with 50 targets and a policy.
        .executableTarget(
            name: "RoutingDecisionBenchmark",
            dependencies: ["Routing", "GatewayConfig", "GatewayModel"],
            path: "Benchmarks/RoutingDecision",
            swiftSettings: swiftSettings
        ),
        // Benchmarks/StreamTranscoding: the CPU of one answer relayed or translated, without the network.
        .executableTarget(
            name: "StreamTranscodingBenchmark",
            dependencies: ["Dialects", "GatewayModel", .product(name: "NIOCore", package: "swift-nio")],
            path: "Benchmarks/StreamTranscoding",
            swiftSettings: swiftSettings
        ),
        // Benchmarks/Retrieval: the CPU of one embeddings request read, passed through or translated.
        .executableTarget(
            name: "RetrievalBenchmark",
            dependencies: ["Dialects", "GatewayModel", "JSONScanning"],
            path: "Benchmarks/Retrieval",
            swiftSettings: swiftSettings
        ),
        // Benchmarks/LedgerWrite: usage records per second through the journal and into SQLite or PostgreSQL.
        .executableTarget(
            name: "LedgerWriteBenchmark",
            dependencies: [
                "Metering", "MeteringSQLite", "MeteringPostgres", "GatewayModel", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/LedgerWrite",
            swiftSettings: swiftSettings
        ),
        // What both ledgers' tests check alike (a test target can't import another).
        .target(name: "LedgerTestSupport", dependencies: ["Metering"], path: "Tests/LedgerTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "JSONScanningTests", dependencies: ["JSONScanning"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ServerSentEventsTests",
            dependencies: [
                "ServerSentEvents", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "GatewayConfigTests", dependencies: ["GatewayConfig"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DialectsTests",
            dependencies: [
                "Dialects", "GatewayModel", "JSONScanning", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PrivacyTests",
            dependencies: ["Privacy", "Dialects", "GatewayModel", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "RoutingTests", dependencies: ["Routing", "GatewayConfig"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ProvidersTests",
            dependencies: [
                "Providers", "GatewayConfig", "GatewayModel",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeteringTests",
            dependencies: [
                "Metering", "MeteringSQLite", "GatewayModel", "LedgerTestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeteringPostgresTests",
            dependencies: [
                "MeteringPostgres", "Metering", "GatewayModel", "LedgerTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayServerTests",
            dependencies: [
                "GatewayServer", "MockProvider", "MeteringSQLite", "GatewayConfig", "GatewayModel", "Metering",
                "Providers", "Routing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        // Generated cases (swift-property-based) against every decoder and the admin bodies.
        .testTarget(
            name: "FuzzTests",
            dependencies: [
                "Dialects", "GatewayConfig", "GatewayModel", "GatewayServer", "JSONScanning", "Metering", "ServerSentEvents",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
