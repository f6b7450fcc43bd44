public import Foundation
import GatewayModel
import Yams

/// Reads every `*.yaml` under a `Routes/` directory into one validated ``GatewayConfiguration``.
///
/// Files are read in path order; lists (`providers`, `routes`, `tenants`) concatenate, and a
/// single-valued section (`server`, `ledger`, `admin_key`) may appear in one file only, so
/// teams can split config by concern without ambiguity about which value wins.
public struct ConfigurationLoader: Sendable {
    public var catalog: ModelCatalog
    /// The day prices' `as_of` dates are measured against (``GatewayConfiguration/warnings``).
    public var today: Date

    public init(catalog: ModelCatalog = .empty, today: Date = Date()) {
        self.catalog = catalog
        self.today = today
    }

    /// A price read longer ago than this is worth re-reading: vendors cut prices month by month.
    public static let stalePriceDays = 90

    static let topLevelKeys = [
        "version", "server", "ledger", "metering", "responses", "telemetry", "admin_key", "currency", "fx", "providers", "routes",
        "tenants", "policies",
    ]

    /// Loads the directory; every problem found is reported together.
    public func load(directory: URL) throws(ConfigurationErrors) -> GatewayConfiguration {
        let files: [URL]
        do {
            files = try Self.yamlFiles(in: directory)
        } catch {
            throw ConfigurationErrors([ConfigurationError(file: directory.path, keyPath: "", message: "\(error)")])
        }
        guard !files.isEmpty else {
            throw ConfigurationErrors([
                ConfigurationError(file: directory.path, keyPath: "", message: "no *.yaml files found")
            ])
        }
        var sources: [(file: String, text: String)] = []
        for file in files {
            do {
                sources.append((Self.displayPath(file), try String(contentsOf: file, encoding: .utf8)))
            } catch {
                throw ConfigurationErrors([ConfigurationError(file: file.path, keyPath: "", message: "cannot read: \(error)")])
            }
        }
        return try load(sources: sources)
    }

    /// Loads configuration from in-memory sources (`file` names each in errors).
    public func load(sources: [(file: String, text: String)]) throws(ConfigurationErrors) -> GatewayConfiguration {
        var builder = Builder(catalog: catalog, today: today)
        for source in sources {
            builder.read(source.text, file: source.file)
        }
        return try builder.finish()
    }

    static func yamlFiles(in directory: URL) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigurationError(file: directory.path, keyPath: "", message: "not a directory")
        }
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else {
            return []
        }
        var files: [URL] = []
        for case let url as URL in enumerator where ["yaml", "yml"].contains(url.pathExtension) {
            files.append(url)
        }
        return files.sorted { $0.path < $1.path }
    }

    static func displayPath(_ url: URL) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        let path = url.standardizedFileURL.path
        return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
    }
}

extension ConfigurationLoader {
    /// Accumulates sections across files, collecting errors instead of stopping at the first.
    struct Builder {
        let catalog: ModelCatalog
        let today: Date
        var errors: [ConfigurationError] = []
        var server: (ServerSettings, YAMLValue)?
        var ledger: (LedgerLocation, YAMLValue)?
        var metering: (MeteringSettings, YAMLValue)?
        var responses: (ResponsesSettings, YAMLValue)?
        var telemetry: (TelemetrySettings, YAMLValue)?
        var adminKey: (SecretReference, YAMLValue)?
        var reportingCurrency: (String, YAMLValue)?
        var fx: ([String: Decimal], YAMLValue)?
        var providers: [(ProviderConfiguration, YAMLValue)] = []
        var routes: [(RouteConfiguration, YAMLValue)] = []
        var tenants: [(TenantConfiguration, YAMLValue)] = []
        var policies: [(PolicyConfiguration, YAMLValue)] = []

        mutating func read(_ text: String, file: String) {
            let root: Node?
            do {
                root = try Yams.compose(yaml: text)
            } catch let error as YamlError {
                errors.append(ConfigurationError(file: file, keyPath: "", message: "not valid YAML: \(error)"))
                return
            } catch {
                errors.append(ConfigurationError(file: file, keyPath: "", message: "not valid YAML: \(error)"))
                return
            }
            guard let root else { return }  // an empty or all-comment file
            let top: YAMLMapping
            do {
                top = try YAMLValue(node: root, file: file, path: "").mapping(allowed: ConfigurationLoader.topLevelKeys)
                if let version = top["version"] { _ = try version.int(in: 1...1) }
            } catch {
                errors.append(error)
                return
            }
            do throws(ConfigurationError) {
                if let value = top["server"] { try setOnce(&server, (try Self.server(value), value), key: "server") }
                if let value = top["ledger"] { try setOnce(&ledger, (try Self.ledger(value), value), key: "ledger") }
                if let value = top["metering"] { try setOnce(&metering, (try Self.metering(value), value), key: "metering") }
                if let value = top["responses"] { try setOnce(&responses, (try Self.responses(value), value), key: "responses") }
                if let value = top["telemetry"] { try setOnce(&telemetry, (try Self.telemetry(value), value), key: "telemetry") }
                if let value = top["admin_key"] {
                    let reference = SecretReference(parsing: try value.string())
                    if let problem = GatewayConfiguration.adminKeyProblem(reference.resolve(in: [:])) { throw value.error(problem) }
                    try setOnce(&adminKey, (reference, value), key: "admin_key")
                }
                if let value = top["currency"] { try setOnce(&reportingCurrency, (try Self.currency(value), value), key: "currency") }
                if let value = top["fx"] { try setOnce(&fx, (try Self.rates(value), value), key: "fx") }
            } catch {
                errors.append(error)
            }
            let catalog = catalog
            providers += readList(top["providers"]) { item throws(ConfigurationError) in try Self.provider(item, catalog: catalog) }
            routes += readList(top["routes"]) { item throws(ConfigurationError) in try Self.route(item) }
            tenants += readList(top["tenants"]) { item throws(ConfigurationError) in try Self.tenant(item) }
            policies += readList(top["policies"]) { item throws(ConfigurationError) in try Self.policy(item) }
        }

        /// Parses each item of a list section, keeping the good ones and collecting errors for the rest.
        private mutating func readList<Item>(
            _ list: YAMLValue?, _ parse: (YAMLValue) throws(ConfigurationError) -> Item
        ) -> [(Item, YAMLValue)] {
            guard let list else { return [] }
            var items: [(Item, YAMLValue)] = []
            do {
                for item in try list.sequence() {
                    do {
                        items.append((try parse(item), item))
                    } catch {
                        errors.append(error)
                    }
                }
            } catch {
                errors.append(error)
            }
            return items
        }

        private func setOnce<T>(_ slot: inout (T, YAMLValue)?, _ value: (T, YAMLValue), key: String) throws(ConfigurationError) {
            if let existing = slot {
                throw value.1.error("'\(key)' is already set in \(existing.1.file)")
            }
            slot = value
        }

        /// A route serves one kind of model, and an embedding route one embedding space: a fallback
        /// that switched spaces would put vectors an index can't compare beside the ones it holds.
        mutating func checkKindsAndSpaces() {
            for (route, value) in routes {
                let offerings = route.targets.enumerated().compactMap { index, target -> (Int, ModelReference, ModelOffering)? in
                    providers.first { $0.0.name == target.provider }?.0.model(named: target.model).map { (index, target, $0) }
                }
                guard let (_, firstTarget, first) = offerings.first else { continue }
                for (index, target, offering) in offerings.dropFirst() {
                    let located = YAMLValue(node: value.node, file: value.file, path: "\(value.path).targets[\(index)]")
                    if offering.kind != first.kind {
                        errors.append(
                            located.error(
                                "route '\(route.name)' mixes kinds of model: '\(firstTarget)' is \(first.kind.rawValue), '\(target)' is \(offering.kind.rawValue)"
                            ))
                    } else if offering.embeddingSpace != first.embeddingSpace {
                        errors.append(
                            located.error(
                                "route '\(route.name)' mixes embedding spaces: '\(firstTarget)' is in \(first.embeddingSpace ?? ""), '\(target)' in \(offering.embeddingSpace ?? "") — vectors of two spaces can't share an index; if both run one model, give both `space: <name>`"
                            ))
                    }
                }
            }
        }

        /// Cross-file checks: unique names, route targets that exist.
        mutating func finish() throws(ConfigurationErrors) -> GatewayConfiguration {
            checkUnique(providers.map { ($0.0.name, $0.1) }, what: "provider")
            checkUnique(routes.map { ($0.0.name, $0.1) }, what: "route")
            checkUnique(tenants.map { ($0.0.name, $0.1) }, what: "tenant")
            checkUnique(policies.map { ($0.0.name, $0.1) }, what: "policy")
            for (route, value) in routes {
                for (index, target) in route.targets.enumerated() {
                    let located = YAMLValue(node: value.node, file: value.file, path: "\(value.path).targets[\(index)]")
                    guard let provider = providers.first(where: { $0.0.name == target.provider })?.0 else {
                        errors.append(located.error("unknown provider '\(target.provider)' in target '\(target)'"))
                        continue
                    }
                    if provider.model(named: target.model) == nil {
                        errors.append(
                            located.error(
                                "provider '\(provider.name)' has no model '\(target.model)' (it lists: \(provider.models.map(\.name).joined(separator: ", ")))"
                            ))
                    }
                }
            }
            checkKindsAndSpaces()
            let conversion = CurrencyConversion(reportingCurrency: reportingCurrency?.0 ?? "USD", rates: fx?.0 ?? [:])
            for (route, value) in routes where route.strategy.comparesPrices {
                for (index, target) in route.targets.enumerated() {
                    guard let offering = providers.first(where: { $0.0.name == target.provider })?.0.model(named: target.model),
                        conversion.convert(1, from: offering.price.currency) == nil
                    else { continue }
                    let located = YAMLValue(node: value.node, file: value.file, path: "\(value.path).targets[\(index)]")
                    errors.append(
                        located.error(
                            "'\(target)' is priced in \(offering.price.currency); a \(route.strategy.rawValue) route compares prices in \(conversion.reportingCurrency), so add fx: { \(offering.price.currency): <rate> }"
                        ))
                }
            }
            let policyNames = policies.map(\.0.name)
            let known = policyNames.isEmpty ? "no policies are defined" : "defined: \(policyNames.joined(separator: ", "))"
            for (name, value) in tenants.compactMap({ t in t.0.policy.map { ($0, t.1) } })
                + routes.compactMap({ r in r.0.policy.map { ($0, r.1) } })
            where !policyNames.contains(name) {
                errors.append(
                    YAMLValue(node: value.node, file: value.file, path: "\(value.path).policy").error("unknown policy '\(name)' (\(known))")
                )
            }
            for (tenant, value) in tenants where tenant.budget.map({ conversion.convert(1, from: $0.currency) == nil }) == true {
                errors.append(
                    YAMLValue(node: value.node, file: value.file, path: "\(value.path).budget.currency")
                        .error("\(tenant.budget!.currency) does not convert to \(conversion.reportingCurrency): add it to fx"))
            }
            for (policy, value) in policies {
                for (key, ceiling) in [
                    ("max_input_per_mtok", policy.maxInputPerMillion), ("max_output_per_mtok", policy.maxOutputPerMillion),
                ]
                where ceiling.map({ conversion.convert(1, from: $0.currency) == nil }) == true {
                    errors.append(
                        YAMLValue(node: value.node, file: value.file, path: "\(value.path).\(key)")
                            .error("\(ceiling!.currency) does not convert to \(conversion.reportingCurrency): add it to fx"))
                }
            }
            // A route whose every target its own policy excludes can never answer.
            for (route, value) in routes {
                guard let name = route.policy, let policy = policies.first(where: { $0.0.name == name })?.0 else { continue }
                let allowed = route.targets.contains { reference in
                    guard let provider = providers.first(where: { $0.0.name == reference.provider })?.0,
                        let offering = provider.model(named: reference.model)
                    else { return true }
                    return PolicyCheck.violation(of: policy, provider: provider, offering: offering, conversion: conversion) == nil
                }
                if !allowed {
                    errors.append(
                        YAMLValue(node: value.node, file: value.file, path: "\(value.path).policy")
                            .error("policy '\(name)' excludes every target of route '\(route.name)'"))
                }
            }
            guard errors.isEmpty else { throw ConfigurationErrors(errors) }
            var configuration = GatewayConfiguration(
                server: server?.0 ?? ServerSettings(),
                ledger: ledger?.0 ?? .sqlite(path: "switchyard.db"),
                metering: metering?.0 ?? MeteringSettings(),
                adminKey: adminKey?.0,
                providers: providers.map(\.0),
                routes: routes.map(\.0),
                tenants: tenants.map(\.0),
                policies: policies.map(\.0),
                currency: conversion)
            if let responses { configuration.responses = responses.0 }
            if let telemetry { configuration.telemetry = telemetry.0 }
            configuration.warnings = stalePrices()
            return configuration
        }

        /// A warning for each price in use read more than ``stalePriceDays`` ago, at the model
        /// that uses it.
        private func stalePrices() -> [ConfigurationError] {
            var warnings: [ConfigurationError] = []
            for (provider, value) in providers {
                let entries = (try? value.mapping(allowed: nil))?["models"].flatMap { try? $0.sequence() } ?? []
                for (offering, entry) in zip(provider.models, entries) {
                    guard let asOf = offering.price.asOf, let read = ModelPrice.readOn(asOf) else { continue }
                    let days = Int(today.timeIntervalSince(read) / 86_400)
                    guard days > ConfigurationLoader.stalePriceDays else { continue }
                    let source = offering.price.source.map { " (\($0))" } ?? ""
                    warnings.append(
                        entry.error(
                            "the price of '\(offering.name)' was read on \(asOf), \(days) days ago: re-read it from the vendor's price page\(source) and update as_of"
                        ))
                }
            }
            return warnings
        }

        private mutating func checkUnique(_ names: [(String, YAMLValue)], what: String) {
            var seen: [String: YAMLValue] = [:]
            for (name, value) in names {
                if let first = seen[name] {
                    let line = first.node.mark.map { ":\($0.line)" } ?? ""
                    errors.append(value.error("\(what) '\(name)' is already defined at \(first.file)\(line)"))
                } else {
                    seen[name] = value
                }
            }
        }

        static func server(_ value: YAMLValue) throws(ConfigurationError) -> ServerSettings {
            let fields = try value.mapping(allowed: [
                "host", "port", "max_body_bytes", "header_timeout_ms", "body_timeout_ms", "idle_timeout_ms", "max_connections",
                "backlog", "shutdown_timeout_ms", "metrics_token", "metrics_port", "metrics_key_labels",
            ])
            var settings = ServerSettings()
            if let host = fields["host"] { settings.host = try host.string() }
            if let port = fields["port"] { settings.port = try port.int(in: 0...65535) }
            if let limit = fields["max_body_bytes"] { settings.maxBodyBytes = try limit.int(in: 1...(1 << 30)) }
            if let value = fields["header_timeout_ms"] { settings.headerTimeoutMilliseconds = try value.int(in: 100...600_000) }
            if let value = fields["body_timeout_ms"] { settings.bodyTimeoutMilliseconds = try value.int(in: 100...600_000) }
            if let value = fields["idle_timeout_ms"] { settings.idleTimeoutMilliseconds = try value.int(in: 100...3_600_000) }
            if let value = fields["max_connections"] { settings.maxConnections = try value.int(in: 1...1_000_000) }
            if let value = fields["backlog"] { settings.backlog = try value.int(in: 1...65_535) }
            if let value = fields["shutdown_timeout_ms"] { settings.shutdownTimeoutMilliseconds = try value.int(in: 1000...3_600_000) }
            if let value = fields["metrics_token"] { settings.metricsToken = SecretReference(parsing: try value.string()) }
            if let value = fields["metrics_port"] { settings.metricsPort = try value.int(in: 0...65535) }
            if let value = fields["metrics_key_labels"] { settings.metricsKeyLabels = try value.bool() }
            if let value = fields["metrics_port"], settings.metricsPort != 0, settings.metricsPort == settings.port {
                throw value.error("metrics_port must differ from port (leave it out to serve /metrics on the API's port)")
            }
            return settings
        }

        static func ledger(_ value: YAMLValue) throws(ConfigurationError) -> LedgerLocation {
            let text = try value.string()
            if text.hasPrefix("sqlite:") {
                let path = String(text.dropFirst("sqlite:".count))
                guard !path.isEmpty else { throw value.error("sqlite: needs a file path, e.g. sqlite:switchyard.db") }
                return .sqlite(path: path)
            }
            if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
                return .postgres(.literal(Secret(text)))
            }
            if text.hasPrefix("env:"), text.count > 4 {
                return .postgres(SecretReference(parsing: text))
            }
            throw value.error("expected sqlite:FILE, postgres://user:password@host:port/database or env:VARIABLE (holding such a URL)")
        }

        /// `telemetry: { otlp_endpoint: http://collector:4318, sample_ratio: 0.1, service_name: gateway-eu }`.
        static func telemetry(_ value: YAMLValue) throws(ConfigurationError) -> TelemetrySettings {
            let fields = try value.mapping(allowed: ["otlp_endpoint", "sample_ratio", "service_name"])
            var settings = TelemetrySettings()
            if let endpoint = fields["otlp_endpoint"] {
                let text = try endpoint.string()
                guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                    throw endpoint.error("expected an http(s) URL of an OTLP/HTTP collector, e.g. http://localhost:4318")
                }
                settings.otlpEndpoint = text
            }
            if let ratio = fields["sample_ratio"] { settings.sampleRatio = try ratio.fraction() }
            if let name = fields["service_name"] {
                let text = try name.string()
                guard !text.isEmpty else { throw name.error("a service name can't be empty") }
                settings.serviceName = text
            }
            return settings
        }

        /// `responses: { retention: 30d }` (or `none`).
        static func responses(_ value: YAMLValue) throws(ConfigurationError) -> ResponsesSettings {
            let fields = try value.mapping(allowed: ["retention"])
            var settings = ResponsesSettings()
            if let retention = fields["retention"] {
                let text = try Self.retention(retention)
                let hours: [Character: Int] = ["h": 1, "d": 24, "w": 168]
                // At most a century: times stay whole seconds every database holds.
                settings.retentionSeconds =
                    text == "none"
                    ? nil : min((Int(text.dropLast()) ?? 0).saturatingMultiplied(by: (hours[text.last!] ?? 0) * 3600), 100 * 365 * 86_400)
            }
            return settings
        }

        /// `metering: { on_ledger_outage: keep_serving, outage_grace_ms: 3000, journal_limit_mb: 1024 }`.
        static func metering(_ value: YAMLValue) throws(ConfigurationError) -> MeteringSettings {
            let fields = try value.mapping(allowed: ["on_ledger_outage", "outage_grace_ms", "journal_limit_mb"])
            var settings = MeteringSettings()
            if let policy = fields["on_ledger_outage"] { settings.onLedgerOutage = try policy.choice(LedgerOutagePolicy.self) }
            if let grace = fields["outage_grace_ms"] { settings.outageGraceMilliseconds = try grace.int(in: 0...3_600_000) }
            if let limit = fields["journal_limit_mb"] { settings.journalLimitBytes = try limit.int(in: 1...(1 << 20)) << 20 }
            return settings
        }

        static func provider(_ value: YAMLValue, catalog: ModelCatalog) throws(ConfigurationError) -> ProviderConfiguration {
            let fields = try value.mapping(allowed: [
                "name", "dialect", "base_url", "api_key", "auth", "region", "deployment", "retention",
                "connect_timeout_ms", "read_timeout_ms", "max_connections", "query", "headers", "stream_usage", "completions", "responses",
                "mock",
                "models", "ca_file", "default_max_tokens", "unsupported_parameters",
            ])
            let baseURLValue = try fields.required("base_url")
            let baseURL = try baseURLValue.string()
            guard let url = URL(string: baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil
            else {
                throw baseURLValue.error("'\(baseURL)' is not an http(s) URL")
            }
            var provider = ProviderConfiguration(
                name: try fields.required("name").name(),
                dialect: try fields.required("dialect").choice(WireFormat.self),
                baseURL: baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL)
            if let key = fields["api_key"] { provider.apiKey = SecretReference(parsing: try key.string()) }
            if let auth = fields["auth"] { provider.authentication = try auth.choice(ProviderAuthentication.self) }
            if let region = fields["region"] { provider.region = try region.name() }
            if let deployment = fields["deployment"] { provider.deployment = try deployment.choice(Deployment.self) }
            if let retention = fields["retention"] { provider.retention = try Self.retention(retention) }
            if let value = fields["connect_timeout_ms"] { provider.connectTimeoutMilliseconds = try value.int(in: 1...600_000) }
            if let value = fields["read_timeout_ms"] { provider.readTimeoutMilliseconds = try value.int(in: 1...3_600_000) }
            if let value = fields["max_connections"] { provider.maxConnections = try value.int(in: 1...100_000) }
            if let value = fields["query"] { provider.query = try value.stringMap() }
            if let value = fields["headers"] { provider.headers = try value.stringMap() }
            if let value = fields["stream_usage"] { provider.streamUsage = try value.bool() }
            if let value = fields["completions"] { provider.completions = try Self.endpoint(value, .completions, of: provider) }
            if let value = fields["responses"] { provider.responses = try Self.endpoint(value, .responses, of: provider) }
            if let value = fields["mock"] { provider.mock = try Self.mockProfile(value) }
            if let value = fields["ca_file"] { provider.caFile = try Self.existingFile(value) }
            if let value = fields["default_max_tokens"] { provider.defaultMaxTokens = try value.int(in: 1...1_000_000) }
            if let value = fields["unsupported_parameters"] {
                provider.unsupportedParameters = try value.choice(UnsupportedParameterPolicy.self)
            }
            let models = try fields.required("models").sequence()
            guard !models.isEmpty else { throw try fields.required("models").error("a provider needs at least one model") }
            for model in models {
                let offering = try Self.model(model, catalog: catalog)
                if provider.model(named: offering.name) != nil {
                    throw model.error("model '\(offering.name)' is listed twice")
                }
                guard provider.dialect.serves(offering.kind.operation) else {
                    let serving = ModelKind.allCases.filter { provider.dialect.serves($0.operation) }
                    throw model.error(
                        "a provider of dialect \(provider.dialect.rawValue) serves no \(offering.kind.rawValue) models (it serves \(serving.map(\.rawValue).joined(separator: " and ")) models); set kind: or list the model under a provider of another dialect"
                    )
                }
                provider.models.append(offering)
            }
            return provider
        }

        /// A path that must name a readable file; relative paths start at the YAML file's folder.
        static func existingFile(_ value: YAMLValue) throws(ConfigurationError) -> String {
            let text = try value.string()
            let folder = URL(fileURLWithPath: value.file).deletingLastPathComponent()
            let path = text.hasPrefix("/") ? text : folder.appendingPathComponent(text).standardized.path
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw value.error("cannot read '\(path)'")
            }
            return path
        }

        static func retention(_ value: YAMLValue) throws(ConfigurationError) -> String {
            let text = try value.string()
            if text == "none" { return text }
            let units: Set<Character> = ["h", "d", "w"]
            guard let unit = text.last, units.contains(unit), let amount = Int(text.dropLast()), amount > 0 else {
                throw value.error("expected 'none' or a duration such as 30d, 12h or 4w, got '\(text)'")
            }
            return text
        }

        /// `completions: true` / `responses: true`: the provider serves that OpenAI endpoint too.
        private static func endpoint(_ value: YAMLValue, _ operation: UpstreamOperation, of provider: ProviderConfiguration)
            throws(ConfigurationError) -> Bool
        {
            let declared = try value.bool()
            guard !declared || provider.dialect == .openAI else {
                throw value.error("\(operation.rawValue): true is for dialect: openai providers (OpenAI's /\(operation.rawValue) endpoint)")
            }
            return declared
        }

        static func mockProfile(_ value: YAMLValue) throws(ConfigurationError) -> MockProfile {
            let fields = try value.mapping(allowed: ["ttft_ms", "tokens_per_second", "latency_ms", "fail_rate"])
            var profile = MockProfile()
            if let value = fields["ttft_ms"] { profile.timeToFirstTokenMilliseconds = try value.int(in: 0...600_000) }
            if let value = fields["tokens_per_second"] { profile.tokensPerSecond = try value.int(in: 0...1_000_000) }
            if let value = fields["latency_ms"] { profile.latencyMilliseconds = try value.int(in: 0...600_000) }
            if let value = fields["fail_rate"] { profile.failRate = try value.fraction() }
            return profile
        }

        static func model(_ value: YAMLValue, catalog: ModelCatalog) throws(ConfigurationError) -> ModelOffering {
            let fields = try value.mapping(
                allowed: ["name", "upstream", "context", "capabilities", "kind", "dimensions", "space", "max_inputs"] + ModelPrice.keys)
            let name = try fields.required("name").string()
            guard !name.isEmpty, !name.contains(where: \.isWhitespace) else {
                throw try fields.required("name").error("a model name must be non-empty and without spaces")
            }
            let known = catalog.entry(for: name)
            let context = try fields["context"]?.int(in: 1...100_000_000) ?? known?.contextTokens
            let price: ModelPrice
            if ModelPrice.isWritten(in: fields) {
                // A price written here is complete on its own: mixing half a catalog price in would mislead.
                price = try ModelPrice(yaml: fields, context: context, requiresDate: false)
            } else if let known {
                price = known.price
            } else {
                throw value.error(
                    "model '\(name)' has no price: set input_per_mtok, output_per_mtok and currency, or add it to seeds/catalog.yaml"
                )
            }
            var capabilities = known?.capabilities ?? []
            if let list = fields["capabilities"] {
                capabilities = []
                for item in try list.sequence() { capabilities.insert(try item.choice(ModelCapability.self)) }
            }
            let kind = try fields["kind"]?.choice(ModelKind.self) ?? known?.kind ?? .chat
            for key in ["dimensions", "space"] where kind != .embedding {
                if let value = fields[key] { throw value.error("\(key) is for embedding models (kind: embedding)") }
            }
            if kind == .chat, let value = fields["max_inputs"] {
                throw value.error("max_inputs is for embedding and rerank models (kind: embedding or rerank)")
            }
            let space = try fields["space"]?.string()
            if let space, space.isEmpty { throw try fields.required("space").error("an embedding space needs a name") }
            return ModelOffering(
                name: name,
                upstreamName: try fields["upstream"]?.string(),
                price: price,
                contextTokens: context,
                capabilities: capabilities, kind: kind,
                dimensions: try fields["dimensions"]?.int(in: 1...100_000) ?? known?.dimensions, space: space,
                maxInputs: try fields["max_inputs"]?.int(in: 1...1_000_000) ?? known?.maxInputs)
        }

        static func currency(_ value: YAMLValue) throws(ConfigurationError) -> String {
            let text = try value.string()
            guard text.count == 3, text.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw value.error("expected an ISO 4217 currency code such as USD or CNY, got '\(text)'")
            }
            return text
        }

        /// `fx: { CNY: 0.14 }`: units of the reporting currency per unit of each currency.
        static func rates(_ value: YAMLValue) throws(ConfigurationError) -> [String: Decimal] {
            let fields = try value.mapping(allowed: nil)
            var rates: [String: Decimal] = [:]
            for (code, rate) in fields.entries {
                let located = YAMLValue(node: rate.node, file: rate.file, path: "fx.\(code)")
                guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                    throw located.error("expected an ISO 4217 currency code such as CNY, got '\(code)'")
                }
                let value = try located.decimal()
                guard value > 0 else { throw located.error("a rate must be greater than 0") }
                rates[code] = value
            }
            return rates
        }

        static func route(_ value: YAMLValue) throws(ConfigurationError) -> RouteConfiguration {
            let fields = try value.mapping(allowed: [
                "name", "strategy", "targets", "weights", "latency_slo_ms", "expected_output_tokens", "max_attempts", "policy",
                "hedge_after_ms",
            ])
            let name = try fields.required("name").string()
            guard !name.isEmpty, !name.contains("/"), !name.contains(where: \.isWhitespace) else {
                throw try fields.required("name").error("a route name must be non-empty, without '/' or spaces")
            }
            var targets: [ModelReference] = []
            let list = try fields.required("targets").sequence()
            guard !list.isEmpty else { throw try fields.required("targets").error("a route needs at least one target") }
            for item in list {
                let text = try item.string()
                guard let reference = ModelReference(parsing: text) else {
                    throw item.error("expected provider/model, got '\(text)'")
                }
                targets.append(reference)
            }
            var route = RouteConfiguration(
                name: name, strategy: try fields["strategy"]?.choice(RouteStrategy.self) ?? .ordered, targets: targets)
            if let value = fields["latency_slo_ms"] { route.latencySLOMilliseconds = try value.int(in: 1...3_600_000) }
            if let value = fields["expected_output_tokens"] { route.expectedOutputTokens = try value.int(in: 1...10_000_000) }
            if let value = fields["max_attempts"] { route.maxAttempts = try value.int(in: 1...100) }
            if let value = fields["hedge_after_ms"] { route.hedgeAfterMilliseconds = try value.int(in: 1...600_000) }
            if let value = fields["policy"] { route.policy = try value.name() }
            if let value = fields["weights"] {
                let weights = try value.sequence()
                guard weights.count == targets.count else {
                    throw value.error("expected one weight per target (\(targets.count)), got \(weights.count)")
                }
                route.weights = try weights.map { weight throws(ConfigurationError) in
                    NSDecimalNumber(decimal: try weight.decimal()).doubleValue
                }
                guard route.weights.contains(where: { $0 > 0 }) else { throw value.error("at least one weight must be above 0") }
            }
            switch route.strategy {
            case .weighted where route.weights.isEmpty:
                throw value.error("a weighted route needs weights: one per target")
            case .balanced where route.latencySLOMilliseconds == nil:
                throw value.error("a balanced route needs latency_slo_ms")
            default:
                break
            }
            return route
        }

        static func policy(_ value: YAMLValue) throws(ConfigurationError) -> PolicyConfiguration {
            let fields = try value.mapping(allowed: [
                "name", "regions", "deployments", "retention", "allow_providers", "deny_providers", "allow_models", "deny_models",
                "max_input_per_mtok", "max_output_per_mtok", "latency_slo_ms", "pii", "pii_restore",
            ])
            var policy = PolicyConfiguration(name: try fields.required("name").name())
            func names(_ key: String) throws(ConfigurationError) -> [String] {
                try fields[key]?.sequence().map { item throws(ConfigurationError) in try item.string() } ?? []
            }
            policy.regions = try names("regions")
            policy.deployments =
                try fields["deployments"]?.sequence().map { item throws(ConfigurationError) in try item.choice(Deployment.self) } ?? []
            if let retention = fields["retention"] {
                guard try retention.string() == "none" else { throw retention.error("a policy can only require 'retention: none'") }
                policy.requiresNoRetention = true
            }
            policy.allowProviders = try names("allow_providers")
            policy.denyProviders = try names("deny_providers")
            policy.allowModels = try names("allow_models")
            policy.denyModels = try names("deny_models")
            policy.maxInputPerMillion = try fields["max_input_per_mtok"].map(Self.ceiling)
            policy.maxOutputPerMillion = try fields["max_output_per_mtok"].map(Self.ceiling)
            if let value = fields["latency_slo_ms"] { policy.latencySLOMilliseconds = try value.int(in: 1...3_600_000) }
            if let value = fields["pii"] { policy.personalData = try value.choice(PersonalDataHandling.self) }
            if let value = fields["pii_restore"] {
                policy.restoresPersonalData = try value.bool()
                if policy.restoresPersonalData, policy.personalData != .mask {
                    throw value.error("pii_restore needs pii: mask (there is nothing to restore otherwise)")
                }
            }
            return policy
        }

        static func ceiling(_ value: YAMLValue) throws(ConfigurationError) -> PriceCeiling {
            let fields = try value.mapping(allowed: ["amount", "currency"])
            return PriceCeiling(amount: try fields.required("amount").decimal(), currency: try Self.currency(fields.required("currency")))
        }

        static func tenant(_ value: YAMLValue) throws(ConfigurationError) -> TenantConfiguration {
            let fields = try value.mapping(allowed: ["name", "policy", "budget", "limits", "manage_keys"])
            var tenant = TenantConfiguration(name: try fields.required("name").name(), policy: try fields["policy"]?.string())
            tenant.managesKeys = try fields["manage_keys"]?.bool() ?? false
            if let value = fields["budget"] {
                let budget = try value.mapping(allowed: ["amount", "currency", "period"])
                let amount = try budget.required("amount").decimal()
                guard amount > 0 else { throw value.error("amount must be above 0") }
                tenant.budget = Budget(
                    amount: amount, currency: try Self.currency(budget.required("currency")),
                    period: try budget.required("period").choice(BudgetPeriod.self))
            }
            if let value = fields["limits"] {
                let limits = try value.mapping(allowed: ["rpm", "tpm"])
                tenant.limits = RateLimits(
                    requestsPerMinute: try limits["rpm"]?.int(in: RateLimits.requestsPerMinuteRange),
                    tokensPerMinute: try limits["tpm"]?.int(in: RateLimits.tokensPerMinuteRange))
            }
            return tenant
        }
    }
}
