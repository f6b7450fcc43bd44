import ArgumentParser
import Foundation
import GatewayConfig
import GatewayModel
import GatewayServer
import Hummingbird
import Logging
import Metering
import MockProvider
import Providers
import Routing
import ServiceLifecycle
import UnixSignals

/// `switchyard serve`: run the gateway on `Routes/`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the gateway (the default command).")

    @OptionGroup var routes: RoutesOptions

    @Option(help: "Address to listen on (overrides server.host).")
    var host: String?

    @Option(help: "Port to listen on (overrides server.port; 0 picks a free one).")
    var port: Int?

    @Option(
        help: "auto: serve built-in mock providers when no provider key is set; on: always; off: never.")
    var offline: ProviderResolution.OfflineMode = .auto

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(
        name: .customLong("log-format"),
        help: "text, or json: one JSON object per line (each request's line included) for Loki, Elasticsearch and the like.")
    var logFormat: LogFormat = .text

    @Flag(
        name: .customLong("no-metering"),
        help: "Record no usage (for benchmarks comparing the cost of metering; budgets still apply in memory).")
    var noMetering = false

    @Flag(name: .customLong("no-metrics"), help: "Record no Prometheus metrics (for benchmarks comparing their cost).")
    var noMetrics = false

    @Option(
        help:
            "The usage journal file (default: beside an SQLite ledger; ./switchyard-usage-journal with PostgreSQL). One per gateway process."
    )
    var journal: String?

    @Option(
        name: .customLong("reload-check-ms"),
        help: "How often to look for edits under --routes and reload them (0: only on SIGHUP).")
    var reloadCheckMilliseconds = 1000

    /// Accepted in offline mode only, where every answer comes from a local mock and nothing costs money.
    static let offlineDemoKey = "sy-offline-demo"

    func run() async throws {
        let logger = bootstrapLogging(level: logLevel, format: logFormat)
        var configuration = try routes.load()
        for warning in configuration.warnings { logger.notice("config: \(warning)") }
        if let host { configuration.server.host = host }
        if let port { configuration.server.port = port }

        let environment = ProcessInfo.processInfo.environment
        let resolution = ProviderResolution(configuration: configuration, environment: environment, mode: offline)
        for (provider, reason) in resolution.unavailable.sorted(by: { $0.key < $1.key }) {
            logger.warning("provider \(provider) is unavailable: \(reason); routes will skip it")
        }

        var mockServices: [any Service] = []
        var mockBaseURLs: [String: String] = [:]
        for (provider, profile) in resolution.mockedProviders {
            let port = try await reserveLoopbackPort()
            let mock = MockProvider(
                options: MockProviderOptions(
                    name: provider.name, latencyMilliseconds: profile.latencyMilliseconds,
                    timeToFirstTokenMilliseconds: profile.timeToFirstTokenMilliseconds,
                    tokensPerSecond: profile.tokensPerSecond, failRate: profile.failRate))
            var mockLogger = logger
            mockLogger.logLevel = .warning
            mockServices.append(mock.application(port: port, logger: mockLogger))
            let baseURL = "http://127.0.0.1:\(port)" + MockProviderCommand.baseURLSuffix(provider.dialect)
            mockBaseURLs[provider.name] = baseURL
            logger.notice("offline: provider \(provider.name) is served by a local mock at \(baseURL)")
        }

        let ledger = try await openLedger(configuration.ledger)
        // Every way out after this point closes the ledger (a failed start included).
        do {
            var fixedKeys: [String: AuthenticatedKey] = [:]
            if resolution.isOffline {
                let tenant = configuration.tenants.first?.name ?? "demo"
                fixedKeys[VirtualKey.hash(Self.offlineDemoKey)] = AuthenticatedKey(id: "key_offline_demo", tenant: tenant)
                logger.notice(
                    "offline mode: no provider keys are set, answers come from local mocks; the demo key '\(Self.offlineDemoKey)' is accepted (tenant \(tenant))"
                )
            }
            let keys = KeyDirectory(fixedKeys: fixedKeys, ledger: ledger)
            let metrics = noMetrics ? nil : GatewayMetrics(keyLabels: configuration.server.metricsKeyLabels)
            let tracingBackend = try TracingBackend.make(configuration.telemetry, logger: logger)
            let recordCommit: (@Sendable (Duration, Int) -> Void)? =
                if let metrics { { took, records in metrics.recordLedgerCommit(took: took, records: records) } } else { nil }
            // Without metering there is no journal either (so a second, unmetered gateway may
            // share a ledger with a metered one, as the benchmarks run them).
            let meter =
                noMetering
                ? nil
                : try UsageMeter(
                    ledger: ledger, journalPath: journal ?? configuration.ledger.journalPath,
                    journalLimit: configuration.metering.journalLimitBytes, logger: logger,
                    onCommit: recordCommit)
            try await meter?.replayJournal()
            let pools = UpstreamPools()
            defer { pools.shutdown() }
            // Replicas sharing a database share its budgets (leased to each); alone, the process keeps them.
            let leaseStore = ledger as? any BudgetLeaseStore
            let rateStore = ledger as? any RateWindowStore
            // This process's name in the shared tables (budget_leases, rate_counts).
            let replica = UUID().uuidString.lowercased()
            if leaseStore != nil || rateStore != nil {
                logger.notice("replica \(replica): budgets and rate limits are shared with the other replicas on \(configuration.ledger)")
            }
            let budgets = BudgetBook(reportingCurrency: configuration.currency.reportingCurrency, shared: leaseStore != nil) {
                [currency = configuration.currency] amount, from in currency.convert(amount, from: from)
            }
            let budgetLeases = leaseStore.map { BudgetLeaseKeeper(book: budgets, store: $0, replica: replica, logger: logger) }
            let rateLimiter = RateLimiter(shared: rateStore != nil)
            let rateSync = rateStore.map { RateWindowSync(limiter: rateLimiter, store: $0, replica: replica, logger: logger) }
            let shutdownNotice = EndNotice()
            let responses = ResponseKeeper(store: ledger as? any ResponseStore, logger: logger)
            let assembler = GatewayAssembler(
                environment: environment, isOffline: resolution.isOffline, mockBaseURLs: mockBaseURLs, keys: keys, ledger: ledger,
                pools: pools, latency: LatencyTracker(), health: TargetHealth(), meter: meter, metrics: metrics, tracing: tracingBackend?.0,
                budgets: budgets, budgetLeases: budgetLeases, rateLimiter: rateLimiter, shutdownNotice: shutdownNotice,
                responses: responses, logger: logger)
            let serverSettings = configuration.server
            let shutdownTimeout = Duration.milliseconds(serverSettings.shutdownTimeoutMilliseconds)
            let deadline = ShutdownDeadline(
                notice: shutdownNotice, pools: pools, answerBy: ShutdownDeadline.answerBy(timeout: shutdownTimeout), logger: logger)
            let live = LiveGateway(try assembler.assemble(configuration))
            let refresher = KeyDirectoryRefresher(directory: keys, ledger: ledger, logger: logger) {
                await Self.openBudgetAccounts(live.current, logger: logger)
            }
            try await refresher.refresh()
            await Self.audit(.configuration(loaded: routes.contentHash(), reload: nil), in: ledger, logger: logger)
            let app = live.makeApplication { channel in
                let port = channel.localAddress?.port ?? serverSettings.port
                announce("switchyard listening on http://\(serverSettings.host):\(port)/v1")
            }
            // `server.metrics_port`: Prometheus scrapes an address of its own.
            let metricsApp = serverSettings.metricsPort.map { port in
                live.makeMetricsApplication(port: port) { channel in
                    announce("metrics on http://\(serverSettings.host):\(channel.localAddress?.port ?? port)/metrics")
                }
            }
            let watcher = ConfigurationWatcher(
                interval: reloadCheckMilliseconds > 0 ? .milliseconds(reloadCheckMilliseconds) : nil,
                fingerprint: { [routes] in routes.fingerprint() },
                reload: { [routes] trigger in
                    if Self.reload(live, routes: routes, assembler: assembler, trigger: trigger, logger: logger) {
                        await Self.audit(.configuration(loaded: routes.contentHash(), reload: trigger), in: ledger, logger: logger)
                    }
                    await Self.openBudgetAccounts(live.current, logger: logger)
                })
            var groupConfiguration = ServiceGroupConfiguration(
                services: (mockServices + [
                    refresher, watcher, ResponseSweeper(keeper: responses), DaySealer(ledger: ledger, logger: logger),
                ]
                    + ([meter, budgetLeases, rateSync] as [(any Service)?]).compactMap { $0 }
                    + ([metricsApp, tracingBackend?.1] as [(any Service)?]).compactMap { $0 } + [deadline, app]).map {
                        ServiceGroupConfiguration.ServiceConfiguration(service: $0)
                    },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger)
            groupConfiguration.maximumGracefulShutdownDuration = shutdownTimeout
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch {
            try? await ledger.close()
            throw error
        }
        try await ledger.close()
    }
}

extension ServeCommand {
    /// Loads `Routes/` again and, when it is valid, serves new requests from it; requests in
    /// flight finish on the configuration they started with. An invalid edit is logged and
    /// the running configuration kept. The listening address and the ledger are read at start
    /// only: changing them is logged as needing a restart.
    /// Returns whether the new configuration is now served.
    @discardableResult
    static func reload(_ live: LiveGateway, routes: RoutesOptions, assembler: GatewayAssembler, trigger: String, logger: Logger) -> Bool {
        let running = live.current.configuration
        do {
            var configuration = try routes.loadConfiguration()
            if configuration.metering.journalLimitBytes != running.metering.journalLimitBytes {
                logger.warning("reload: a new metering.journal_limit_mb takes a restart; keeping the running one")
                configuration.metering.journalLimitBytes = running.metering.journalLimitBytes
            }
            if configuration.ledger != running.ledger {
                logger.warning("reload: a new ledger setting takes a restart; keeping \(running.ledger)")
                configuration.ledger = running.ledger
            }
            if configuration.server != running.server {
                logger.warning("reload: new server settings take a restart; keeping the running ones")
            }
            if configuration.telemetry != running.telemetry {
                logger.warning("reload: new telemetry settings take a restart; keeping the running ones")
            }
            configuration.server = running.server
            configuration.telemetry = running.telemetry
            live.replace(with: try assembler.assemble(configuration))
            logger.notice(
                "configuration reloaded (\(trigger)): \(configuration.providers.count) providers, \(configuration.routes.count) routes, \(configuration.tenants.count) tenants"
            )
            return true
        } catch {
            logger.error("configuration reload rejected (\(trigger)); keeping the running configuration:\n\(error)")
            return false
        }
    }

    /// Appends a change to the audit trail; a failure is logged (serving goes on: the change is made).
    static func audit(_ draft: AuditDraft, in ledger: any Ledger, logger: Logger) async {
        do {
            try await AuditChain.record(draft, in: ledger)
        } catch {
            logger.error("the audit trail could not record \(draft.action.rawValue)", metadata: ["error": "\(error)"])
        }
    }
}

extension ServeCommand {
    /// Budget accounts for every tenant and key with a budget, from the ledger's record of the
    /// current period; accounts already open only take a changed budget.
    static func openBudgetAccounts(_ gateway: Gateway, logger: Logger) async {
        let scopes =
            gateway.configuration.tenants.compactMap { tenant in tenant.budget.map { (SpendScope.tenant(tenant.name), $0) } }
            + gateway.keys.all.compactMap { key in key.budget.map { (SpendScope.key(key.id), $0) } }
        for (scope, budget) in scopes {
            do {
                try await gateway.budgets.load(scope, budget: budget, from: gateway.ledger)
            } catch {
                logger.error("could not read the spend of \(scope) for its budget", metadata: ["error": "\(error)"])
            }
        }
    }
}

extension ProviderResolution.OfflineMode: ExpressibleByArgument {}

/// Writes a line to stdout at once (stdout is block-buffered when piped, and scripts wait for this line).
func announce(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
