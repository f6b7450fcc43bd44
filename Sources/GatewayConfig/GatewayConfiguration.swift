public import Foundation
public import GatewayModel

/// Everything `Routes/` says, validated and with catalog prices filled in.
///
/// An immutable snapshot: a reload builds a new one, in-flight requests keep theirs.
public struct GatewayConfiguration: Sendable {
    public var server: ServerSettings
    public var ledger: LedgerLocation
    public var metering: MeteringSettings
    /// Responses API conversations the gateway keeps (`responses:`).
    public var responses = ResponsesSettings()
    /// Traces over OTLP (`telemetry:`); off unless an endpoint is set.
    public var telemetry = TelemetrySettings()
    public var adminKey: SecretReference?
    public var providers: [ProviderConfiguration]
    public var routes: [RouteConfiguration]
    public var tenants: [TenantConfiguration]
    public var policies: [PolicyConfiguration]
    public var currency: CurrencyConversion
    /// What `config check` and `serve` point out without refusing the configuration (prices
    /// read long ago).
    public var warnings: [ConfigurationError] = []

    public init(
        server: ServerSettings = .init(), ledger: LedgerLocation = .sqlite(path: "switchyard.db"),
        metering: MeteringSettings = .init(), adminKey: SecretReference? = nil, providers: [ProviderConfiguration] = [],
        routes: [RouteConfiguration] = [], tenants: [TenantConfiguration] = [], policies: [PolicyConfiguration] = [],
        currency: CurrencyConversion = .init()
    ) {
        self.server = server
        self.ledger = ledger
        self.metering = metering
        self.adminKey = adminKey
        self.providers = providers
        self.routes = routes
        self.tenants = tenants
        self.policies = policies
        self.currency = currency
    }

    public func provider(named name: String) -> ProviderConfiguration? {
        providers.first { $0.name == name }
    }

    public func route(named name: String) -> RouteConfiguration? {
        routes.first { $0.name == name }
    }

    public func policy(named name: String) -> PolicyConfiguration? {
        policies.first { $0.name == name }
    }

    public func tenant(named name: String) -> TenantConfiguration? {
        tenants.first { $0.name == name }
    }
}

/// Where and how the gateway listens (`server:`).
public struct ServerSettings: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// Largest request body accepted; larger ones get 413.
    public var maxBodyBytes: Int
    /// From a connection's first byte (or its opening) to a request's complete head; past it, 408 and close.
    public var headerTimeoutMilliseconds: Int
    /// Longest pause between reads of a request body; past it, 408 and close.
    public var bodyTimeoutMilliseconds: Int
    /// How long a kept-alive connection may wait for its next request.
    public var idleTimeoutMilliseconds: Int
    /// Connections open at once; past it a new one is answered 503 and closed at once. Also held
    /// below the process's descriptor limit (half of it, the rest for providers and the ledger).
    public var maxConnections: Int
    /// Connections the kernel queues before the gateway accepts them (bursts beyond it are reset).
    public var backlog: Int
    /// How long a stopping gateway (SIGTERM, SIGINT) lets requests in flight finish; shortly
    /// before the end, those still waiting on a provider are answered 503.
    public var shutdownTimeoutMilliseconds: Int
    /// The bearer token `GET /metrics` asks for (`metrics_token`, literal or `env:NAME`); nil
    /// serves metrics to anyone who can reach the port.
    public var metricsToken: SecretReference?
    /// `GET /metrics` on a port of its own (`metrics_port`) instead of the API's, so the API can
    /// face the internet while Prometheus scrapes a private address; nil: the API's port.
    public var metricsPort: Int?
    /// Label cost metrics with the key id too (`metrics_key_labels`): a series per key, so only
    /// where keys are few.
    public var metricsKeyLabels = false

    public static let defaultMaxBodyBytes = 8 << 20

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = Self.defaultMaxBodyBytes,
        headerTimeoutMilliseconds: Int = 10_000, bodyTimeoutMilliseconds: Int = 30_000, idleTimeoutMilliseconds: Int = 60_000,
        maxConnections: Int = 10_000, backlog: Int = 4096, shutdownTimeoutMilliseconds: Int = 30_000
    ) {
        self.shutdownTimeoutMilliseconds = shutdownTimeoutMilliseconds
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.headerTimeoutMilliseconds = headerTimeoutMilliseconds
        self.bodyTimeoutMilliseconds = bodyTimeoutMilliseconds
        self.idleTimeoutMilliseconds = idleTimeoutMilliseconds
        self.maxConnections = maxConnections
        self.backlog = backlog
    }
}

/// Which database holds keys and the ledger (`ledger:`).
public enum LedgerLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    /// A PostgreSQL URL (`postgres://user:password@host:port/database`), literal or `env:NAME`;
    /// shared by every replica.
    case postgres(SecretReference)

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): "postgres (\(url))"
        }
    }

    /// The usage journal: beside an SQLite database (nil for an in-memory one); for PostgreSQL,
    /// per replica in its working directory unless `serve --journal` says where.
    public var journalPath: String? {
        switch self {
        case .sqlite(let path): path == ":memory:" ? nil : path + "-usage-journal"
        case .postgres: "switchyard-usage-journal"
        }
    }
}

/// Where traces go (`telemetry: { otlp_endpoint, sample_ratio, service_name }`). Read at start:
/// changing it takes a restart.
public struct TelemetrySettings: Sendable, Hashable {
    /// An OpenTelemetry collector's OTLP/HTTP address (`http://collector:4318`; `/v1/traces` is
    /// added when no path is given); nil: no traces.
    public var otlpEndpoint: String?
    /// The share of requests traced (0 to 1) when the caller's `traceparent` doesn't decide:
    /// a caller's sampled trace is always followed.
    public var sampleRatio: Double
    public var serviceName: String

    public init(otlpEndpoint: String? = nil, sampleRatio: Double = 1, serviceName: String = "switchyard") {
        self.otlpEndpoint = otlpEndpoint
        self.sampleRatio = sampleRatio
        self.serviceName = serviceName
    }

    /// The endpoint spans are posted to: `/v1/traces` on a bare address.
    public var tracesURL: String? {
        guard let otlpEndpoint, let url = URL(string: otlpEndpoint) else { return nil }
        return url.path.isEmpty || url.path == "/" ? otlpEndpoint.trimmingSuffix("/") + "/v1/traces" : otlpEndpoint
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}

/// How long the gateway keeps Responses API answers (`responses: { retention: 30d }`), so
/// `previous_response_id` can continue them; `retention: none` keeps nothing.
public struct ResponsesSettings: Sendable, Hashable {
    /// Seconds a stored response lives; nil: none is stored.
    public var retentionSeconds: Int?

    public init(retentionSeconds: Int? = 30 * 86_400) {
        self.retentionSeconds = retentionSeconds
    }
}

/// What the gateway does while its ledger database doesn't take usage records (`metering:`).
public struct MeteringSettings: Sendable, Hashable {
    public var onLedgerOutage: LedgerOutagePolicy
    /// How long the database may refuse records before `fail_closed` refuses requests (rides
    /// out a failover or a restart).
    public var outageGraceMilliseconds: Int
    /// The most bytes of records the local journal keeps for the database; past it every
    /// policy refuses requests (read at start).
    public var journalLimitBytes: Int

    public init(onLedgerOutage: LedgerOutagePolicy = .keepServing, outageGraceMilliseconds: Int = 3000, journalLimitBytes: Int = 1 << 30) {
        self.onLedgerOutage = onLedgerOutage
        self.outageGraceMilliseconds = outageGraceMilliseconds
        self.journalLimitBytes = journalLimitBytes
    }
}

/// `on_ledger_outage:` serve on, keeping records in the local journal until the database takes
/// them, or refuse requests (503) so nothing is served that isn't already in the database.
public enum LedgerOutagePolicy: String, Sendable, Hashable, CaseIterable {
    case keepServing = "keep_serving"
    case failClosed = "fail_closed"
}

/// How a provider's endpoint wants its key.
public enum ProviderAuthentication: String, Sendable, Hashable, CaseIterable {
    /// `Authorization: Bearer KEY` — OpenAI and nearly every compatible API.
    case bearer
    /// `api-key: KEY` — Azure OpenAI.
    case apiKeyHeader = "api-key"
    /// `x-api-key: KEY` — Anthropic.
    case xAPIKey = "x-api-key"
    /// `x-goog-api-key: KEY` — Google Gemini.
    case googAPIKey = "x-goog-api-key"
    /// No key (local vLLM or Ollama). Not `none`, which reads as `Optional.none`.
    case noKey = "none"

    /// What a provider of `dialect` expects when `auth` is not configured.
    public static func standard(for dialect: WireFormat) -> ProviderAuthentication {
        switch dialect {
        case .openAI, .cohere, .dashscope: .bearer
        case .anthropic: .xAPIKey
        case .gemini: .googAPIKey
        }
    }
}

/// What to do with a client parameter the provider's dialect cannot carry.
public enum UnsupportedParameterPolicy: String, Sendable, Hashable, CaseIterable {
    /// Send the request without it and name it in `x-switchyard-dropped`.
    case drop
    /// Refuse the request with 400 naming the parameter.
    case reject
}

/// An offline stand-in's behaviour for one provider, used when the gateway runs without provider keys.
public struct MockProfile: Sendable, Hashable {
    public var timeToFirstTokenMilliseconds: Int
    public var tokensPerSecond: Int
    public var latencyMilliseconds: Int
    public var failRate: Double

    public init(timeToFirstTokenMilliseconds: Int = 30, tokensPerSecond: Int = 200, latencyMilliseconds: Int = 0, failRate: Double = 0) {
        self.timeToFirstTokenMilliseconds = timeToFirstTokenMilliseconds
        self.tokensPerSecond = tokensPerSecond
        self.latencyMilliseconds = latencyMilliseconds
        self.failRate = failRate
    }
}

/// One upstream API endpoint and the models it serves (`providers[]`).
public struct ProviderConfiguration: Sendable, Hashable {
    public var name: String
    public var dialect: WireFormat
    /// Written as the provider's own SDK takes it (OpenAI-style includes `/v1`).
    public var baseURL: String
    public var apiKey: SecretReference?
    public var authentication: ProviderAuthentication
    /// Residency tag, free-form (`cn`, `us`, `eu`, `on-prem`).
    public var region: String
    public var deployment: Deployment
    /// `none`, or how long the provider keeps prompts (`30d`); `nil` when unknown.
    public var retention: String?
    public var connectTimeoutMilliseconds: Int
    /// Longest wait for the response head or between two body reads.
    public var readTimeoutMilliseconds: Int
    /// Concurrent upstream connections this gateway may open to the provider.
    public var maxConnections: Int
    /// Extra query items (Azure's `api-version`).
    public var query: [String: String]
    /// Extra static request headers.
    public var headers: [String: String]
    /// Ask for `stream_options.include_usage` on streams (turn off for endpoints that reject it).
    public var streamUsage: Bool
    /// The provider serves OpenAI's legacy `/completions` too (vLLM, Ollama, OpenAI's instruct
    /// models): `/v1/completions` requests go to it as they are instead of through chat.
    public var completions: Bool
    /// The provider serves OpenAI's Responses API too (OpenAI, Azure): `/v1/responses` requests
    /// go to it in that dialect — built-in tools included — instead of through chat.
    public var responses: Bool
    public var mock: MockProfile?
    /// Fills Anthropic's required `max_tokens` when the client gave no limit.
    public var defaultMaxTokens: Int
    public var unsupportedParameters: UnsupportedParameterPolicy
    /// PEM file of extra CA certificates to trust for this provider (a private deployment
    /// behind an internal CA); the system's roots are trusted as well.
    public var caFile: String?
    public var models: [ModelOffering]

    public init(
        name: String, dialect: WireFormat, baseURL: String, apiKey: SecretReference? = nil,
        authentication: ProviderAuthentication? = nil, region: String = "unknown", deployment: Deployment = .public,
        retention: String? = nil, connectTimeoutMilliseconds: Int = 5_000, readTimeoutMilliseconds: Int = 120_000,
        maxConnections: Int = 512, query: [String: String] = [:], headers: [String: String] = [:],
        streamUsage: Bool = true, completions: Bool = false, responses: Bool = false, mock: MockProfile? = nil, caFile: String? = nil,
        defaultMaxTokens: Int = 4096,
        unsupportedParameters: UnsupportedParameterPolicy = .drop, models: [ModelOffering] = []
    ) {
        self.name = name
        self.dialect = dialect
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.authentication = authentication ?? .standard(for: dialect)
        self.region = region
        self.deployment = deployment
        self.retention = retention
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.readTimeoutMilliseconds = readTimeoutMilliseconds
        self.maxConnections = maxConnections
        self.query = query
        self.headers = headers
        self.streamUsage = streamUsage
        self.completions = completions
        self.responses = responses
        self.mock = mock
        self.caFile = caFile
        self.defaultMaxTokens = defaultMaxTokens
        self.unsupportedParameters = unsupportedParameters
        self.models = models
    }

    public func model(named name: String) -> ModelOffering? {
        models.first { $0.name == name }
    }

    /// Whether a call for `operation` may go to this provider as the client sent it.
    public func serves(_ operation: UpstreamOperation) -> Bool {
        switch operation {
        case .completions: completions && dialect == .openAI
        case .responses: responses && dialect == .openAI
        case .chat, .embeddings, .rerank: dialect.serves(operation)
        }
    }
}

/// A model as one provider sells it: the name clients use, its price and limits.
public struct ModelOffering: Sendable, Hashable {
    /// The name clients and routes use.
    public var name: String
    /// The id sent upstream when it differs (an Azure deployment name).
    public var upstreamName: String
    public var price: ModelPrice
    /// Context window in tokens, when known.
    public var contextTokens: Int?
    public var capabilities: Set<ModelCapability>
    public var kind: ModelKind
    /// An embedding model's vector size, when known.
    public var dimensions: Int?
    /// The embedding space `space:` declares (one open model hosted in two places is one space).
    public var declaredSpace: String?
    /// Most inputs (texts to embed, documents to rank) the provider takes in one call; a larger
    /// request is split into calls of this many, answered as one.
    public var maxInputs: Int?

    public init(
        name: String, upstreamName: String? = nil, price: ModelPrice, contextTokens: Int? = nil, capabilities: Set<ModelCapability> = [],
        kind: ModelKind = .chat, dimensions: Int? = nil, space: String? = nil, maxInputs: Int? = nil
    ) {
        self.maxInputs = maxInputs
        self.name = name
        self.upstreamName = upstreamName ?? name
        self.price = price
        self.contextTokens = contextTokens
        self.capabilities = capabilities
        self.kind = kind
        self.dimensions = dimensions
        self.declaredSpace = space
    }

    /// The space an embedding model's vectors live in: vectors of two spaces can't be compared,
    /// so one index must only ever get vectors of one. The declared `space`, else the model the
    /// provider runs and its dimensions (`text-embedding-3-small@1536`); nil for other kinds.
    public var embeddingSpace: String? {
        guard kind == .embedding else { return nil }
        return declaredSpace ?? (upstreamName + (dimensions.map { "@\($0)" } ?? ""))
    }
}

/// How a route picks among its targets.
public enum RouteStrategy: String, Sendable, Hashable, CaseIterable {
    /// Try targets in the order written; fall back to the next on failure.
    case ordered
    /// Lowest expected cost for this request, in the reporting currency.
    case cheapest
    /// Lowest measured latency (time to first token for streams, total otherwise).
    case fastest
    /// Cheapest among the targets whose measured p95 meets `latency_slo_ms`; else fastest.
    case balanced
    /// Random by `weights`.
    case weighted

    /// Whether the strategy compares prices (so every target's currency must convert).
    public var comparesPrices: Bool { self == .cheapest || self == .balanced }
}

/// A named model alias that apps call, mapped to provider models (`routes[]`).
public struct RouteConfiguration: Sendable, Hashable {
    public var name: String
    public var strategy: RouteStrategy
    public var targets: [ModelReference]
    /// `weighted`: one weight per target, in order.
    public var weights: [Double]
    /// `balanced`: the p95 latency a target must meet to compete on price.
    public var latencySLOMilliseconds: Int?
    /// Output tokens assumed for the cost estimate when the request sets no limit.
    public var expectedOutputTokens: Int
    /// At most this many targets are tried per request (nil: all).
    public var maxAttempts: Int?
    /// A policy every request on this route must meet, besides its tenant's.
    public var policy: String?
    /// When the first target hasn't answered (first byte) within this, the next one is
    /// started too and the first to answer wins (nil: no hedging).
    public var hedgeAfterMilliseconds: Int?

    public init(
        name: String, strategy: RouteStrategy = .ordered, targets: [ModelReference], weights: [Double] = [],
        latencySLOMilliseconds: Int? = nil, expectedOutputTokens: Int = 256, maxAttempts: Int? = nil, policy: String? = nil
    ) {
        self.name = name
        self.strategy = strategy
        self.targets = targets
        self.weights = weights
        self.latencySLOMilliseconds = latencySLOMilliseconds
        self.expectedOutputTokens = expectedOutputTokens
        self.maxAttempts = maxAttempts
        self.policy = policy
    }
}

/// Converts prices to the one currency reports and price comparisons use (`currency:`, `fx:`).
public struct CurrencyConversion: Sendable, Hashable {
    public var reportingCurrency: String
    /// Units of the reporting currency per unit of each other currency (`fx: { CNY: 0.14 }`).
    public var rates: [String: Decimal]

    public init(reportingCurrency: String = "USD", rates: [String: Decimal] = [:]) {
        self.reportingCurrency = reportingCurrency
        self.rates = rates
    }

    /// `amount` in `currency`, converted; nil when no rate is configured.
    public func convert(_ amount: Decimal, from currency: String) -> Decimal? {
        if currency == reportingCurrency { return amount }
        return rates[currency].map { amount * $0 }
    }
}

/// Who is calling: every virtual key belongs to a tenant (`tenants[]`).
public struct TenantConfiguration: Sendable, Hashable {
    public var name: String
    public var policy: String?
    /// What the tenant's keys may spend together per period (keys may have their own too).
    public var budget: Budget?
    public var limits: RateLimits
    /// Whether the tenant's own keys may create, change and revoke its keys in the console
    /// (`manage_keys: true`); otherwise only the admin does.
    public var managesKeys: Bool

    public init(
        name: String, policy: String? = nil, budget: Budget? = nil, limits: RateLimits = RateLimits(), managesKeys: Bool = false
    ) {
        self.name = name
        self.policy = policy
        self.budget = budget
        self.limits = limits
        self.managesKeys = managesKeys
    }
}

extension GatewayConfiguration {
    /// The shortest admin key accepted: the admin API can mint keys and read every tenant's
    /// spend, so its key must not be guessable (32 characters, e.g. `openssl rand -hex 16`).
    public static let minimumAdminKeyLength = 32

    /// Why `key` can't be the admin key, or nil when it can (or is unset).
    public static func adminKeyProblem(_ key: Secret?) -> String? {
        guard let key, key.revealed.count < minimumAdminKeyLength else { return nil }
        return
            "admin_key must be at least \(minimumAdminKeyLength) characters (it has \(key.revealed.count)); make one with: openssl rand -hex 32"
    }

    /// The admin key from `environment` (or the literal in Routes/); throws when it is too short.
    public func resolvedAdminKey(in environment: [String: String]) throws(ConfigurationError) -> Secret? {
        let key = adminKey?.resolve(in: environment)
        if let problem = Self.adminKeyProblem(key), let adminKey {
            throw ConfigurationError(file: "Routes/", keyPath: "admin_key", message: "\(adminKey): \(problem)")
        }
        return key
    }
}
