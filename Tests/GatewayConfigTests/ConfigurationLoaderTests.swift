import Foundation
import GatewayConfig
import GatewayModel
import Testing

@Suite struct ConfigurationLoaderTests {
    static let catalog = try! ModelCatalog(
        yaml: """
            models:
              - { vendor: deepseek, name: deepseek-chat, input_per_mtok: 0.28, output_per_mtok: 0.42, cached_input_per_mtok: 0.028, currency: USD, context: 131072, capabilities: [tools, json], as_of: 2025-10-01 }
            """, file: "catalog.yaml")

    static let valid = """
        server: { host: 0.0.0.0, port: 9090 }
        ledger: sqlite:test.db
        admin_key: env:ADMIN
        providers:
          - name: deepseek
            dialect: openai
            base_url: https://api.deepseek.com/v1/
            api_key: env:DEEPSEEK_API_KEY
            region: cn
            retention: none
            models:
              - name: deepseek-chat
              - { name: private-model, upstream: pm-v2, input_per_mtok: 1.5, output_per_mtok: 2, currency: CNY, capabilities: [tools] }
        routes:
          - { name: chat, targets: [deepseek/deepseek-chat, deepseek/private-model] }
        tenants:
          - { name: demo, policy: null }
        """

    func load(_ files: [(String, String)]) throws(ConfigurationErrors) -> GatewayConfiguration {
        try ConfigurationLoader(catalog: Self.catalog).load(sources: files.map { (file: $0.0, text: $0.1) })
    }

    /// The single error a broken config produces, as the operator would read it.
    func error(_ text: String, file: String = "Routes/gateway.yaml") -> String {
        do {
            _ = try load([(file, text)])
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func loadsAValidConfigurationAndFillsPricesFromTheCatalog() throws {
        let configuration = try load([("Routes/gateway.yaml", Self.valid)])
        #expect(configuration.server == ServerSettings(host: "0.0.0.0", port: 9090))
        #expect(configuration.ledger == .sqlite(path: "test.db"))
        #expect(configuration.adminKey == .environment("ADMIN"))
        let provider = try #require(configuration.provider(named: "deepseek"))
        #expect(provider.baseURL == "https://api.deepseek.com/v1")
        #expect(provider.region == "cn")
        #expect(provider.retention == "none")
        let chat = try #require(provider.model(named: "deepseek-chat"))
        var catalogPrice = ModelPrice(
            inputPerMillion: Decimal(string: "0.28")!, outputPerMillion: Decimal(string: "0.42")!,
            cachedInputPerMillion: Decimal(string: "0.028")!, currency: "USD")
        catalogPrice.asOf = "2025-10-01"  // the catalog's date travels with its price
        #expect(chat.price == catalogPrice)
        #expect(chat.contextTokens == 131072)
        #expect(chat.capabilities == [.tools, .json])
        let custom = try #require(provider.model(named: "private-model"))
        #expect(custom.upstreamName == "pm-v2")
        #expect(custom.price.currency == "CNY")
        #expect(
            configuration.routes.first?.targets == [
                ModelReference(provider: "deepseek", model: "deepseek-chat"), ModelReference(provider: "deepseek", model: "private-model"),
            ])
        #expect(configuration.tenants == [TenantConfiguration(name: "demo")])
    }

    @Test func unknownKeysNameFileLineAndKey() {
        let text = Self.valid.replacingOccurrences(of: "    region: cn", with: "    regoin: cn")
        #expect(error(text).hasPrefix("Routes/gateway.yaml:9:5: providers[0].regoin: unknown key 'regoin'"))
    }

    @Test func badValuesNameTheAllowedOnes() {
        let text = Self.valid.replacingOccurrences(of: "dialect: openai", with: "dialect: mistral")
        #expect(
            error(text).hasPrefix(
                "Routes/gateway.yaml:6:14: providers[0].dialect: 'mistral' is not one of openai, anthropic, gemini, cohere, dashscope\n"))
    }

    @Test func aProviderListsOnlyModelsItsDialectServes() {
        let text = Self.valid.replacingOccurrences(of: "dialect: openai", with: "dialect: cohere")
        #expect(
            error(text).contains(
                "providers[0].models[0]: a provider of dialect cohere serves no chat models (it serves rerank models)"))
    }

    @Test func aModelWithoutAnyPriceIsAnError() {
        let text = Self.valid.replacingOccurrences(of: "- name: deepseek-chat", with: "- name: unknown-model")
        #expect(error(text).contains("providers[0].models[0]: model 'unknown-model' has no price"))
    }

    @Test func aPartialPriceIsAnError() {
        let text = Self.valid.replacingOccurrences(of: "output_per_mtok: 2, ", with: "")
        #expect(error(text).contains("missing required key 'output_per_mtok'"))
    }

    @Test func theLegacyCompletionsEndpointIsDeclaredOnOpenAIStyleProviders() throws {
        let declared = Self.valid.replacingOccurrences(of: "    retention: none", with: "    retention: none\n    completions: true")
        let provider = try load([("Routes/gateway.yaml", declared)]).providers[0]
        #expect(provider.serves(.completions))
        #expect(try !load([("Routes/gateway.yaml", Self.valid)]).providers[0].serves(.completions))
        let anthropic = declared.replacingOccurrences(of: "dialect: openai", with: "dialect: anthropic")
        #expect(error(anthropic).contains("providers[0].completions: completions: true is for dialect: openai providers"))
        let native = Self.valid.replacingOccurrences(of: "    retention: none", with: "    retention: none\n    responses: true")
        #expect(try load([("Routes/gateway.yaml", native)]).providers[0].serves(.responses))
        #expect(!provider.serves(.responses))
    }

    @Test func routeTargetsMustExist() {
        let text = Self.valid.replacingOccurrences(of: "deepseek/private-model]", with: "openai/gpt-4o]")
        #expect(error(text).contains("routes[0].targets[1]: unknown provider 'openai' in target 'openai/gpt-4o'"))
        let wrongModel = Self.valid.replacingOccurrences(of: "deepseek/private-model]", with: "deepseek/gpt-4o]")
        #expect(error(wrongModel).contains("provider 'deepseek' has no model 'gpt-4o'"))
    }

    @Test(arguments: [
        ("port: 9090", "port: 99999", "server.port: 99999 is out of range 0...65535"),
        ("port: 9090", "port: 9090, header_timeout_ms: 0", "server.header_timeout_ms: 0 is out of range 100...600000"),
        ("port: 9090", "port: 9090, max_connections: -1", "server.max_connections: -1 is out of range 1...1000000"),
        ("input_per_mtok: 1.5", "input_per_mtok: 99999999999", "larger than the most money the ledger holds"),
        ("ledger: sqlite:test.db", "ledger: mysql://x", "ledger: expected sqlite:FILE"),
        ("base_url: https://api.deepseek.com/v1/", "base_url: api.deepseek.com", "'api.deepseek.com' is not an http(s) URL"),
        ("retention: none", "retention: forever", "expected 'none' or a duration such as 30d"),
        ("input_per_mtok: 1.5", "input_per_mtok: -1", "expected a non-negative number such as 0.27, got '-1'"),
        ("currency: CNY", "currency: yuan", "expected an ISO 4217 currency code"),
        ("capabilities: [tools]", "capabilities: [telepathy]", "'telepathy' is not one of"),
        ("policy: null", "policy: finance", "tenants[0].policy: unknown policy 'finance' (no policies are defined)"),
        ("name: chat,", "name: chat, strategy: quickest,", "'quickest' is not one of ordered, cheapest, fastest, balanced, weighted"),
        ("name: chat,", "name: a/b,", "a route name must be non-empty, without '/' or spaces"),
    ])
    func rejectsBadValues(original: String, replacement: String, message: String) {
        let text = Self.valid.replacingOccurrences(of: original, with: replacement)
        #expect(text != Self.valid)
        #expect(error(text).contains(message), "\(error(text))")
    }

    @Test func aPostgresLedgerIsAURLOrAVariableAndNeverPrintsIt() throws {
        let url = "postgres://gateway:hunter2@db:5432/switchyard"
        let literal = try load([("Routes/gateway.yaml", Self.valid.replacingOccurrences(of: "sqlite:test.db", with: url))])
        #expect(literal.ledger == .postgres(.literal(Secret(url))))
        #expect(!literal.ledger.description.contains("hunter2"))
        #expect(literal.ledger.journalPath == "switchyard-usage-journal")
        let variable = try load([("Routes/gateway.yaml", Self.valid.replacingOccurrences(of: "sqlite:test.db", with: "env:DATABASE_URL"))])
        #expect(variable.ledger == .postgres(.environment("DATABASE_URL")))
        #expect(variable.ledger.description == "postgres (env:DATABASE_URL)")
    }

    @Test func whatALedgerOutageDoesIsAChoice() throws {
        #expect(try load([("Routes/gateway.yaml", Self.valid)]).metering == MeteringSettings())
        let set = try load([
            (
                "Routes/gateway.yaml",
                Self.valid + "\nmetering: { on_ledger_outage: fail_closed, outage_grace_ms: 500, journal_limit_mb: 64 }\n"
            )
        ])
        #expect(set.metering == MeteringSettings(onLedgerOutage: .failClosed, outageGraceMilliseconds: 500, journalLimitBytes: 64 << 20))
        #expect(
            error(Self.valid + "\nmetering: { on_ledger_outage: panic }\n").contains(
                "metering.on_ledger_outage: 'panic' is not one of keep_serving, fail_closed"))
        #expect(error(Self.valid + "\nmetering: { journal_limit_mb: 0 }\n").contains("metering.journal_limit_mb"))
    }

    @Test func connectionLimitsHaveDefaultsAndCanBeSet() throws {
        let defaults = try load([("Routes/gateway.yaml", Self.valid)]).server
        #expect(defaults.headerTimeoutMilliseconds == 10_000 && defaults.bodyTimeoutMilliseconds == 30_000)
        #expect(defaults.idleTimeoutMilliseconds == 60_000 && defaults.maxConnections == 10_000 && defaults.backlog == 4096)
        let text = Self.valid.replacingOccurrences(
            of: "port: 9090",
            with: "port: 9090, header_timeout_ms: 2000, body_timeout_ms: 3000, idle_timeout_ms: 4000, max_connections: 50, backlog: 512")
        let set = try load([("Routes/gateway.yaml", text)]).server
        #expect(set.headerTimeoutMilliseconds == 2000 && set.bodyTimeoutMilliseconds == 3000 && set.idleTimeoutMilliseconds == 4000)
        #expect(set.maxConnections == 50 && set.backlog == 512)
    }

    @Test func metricsSettingsHaveDefaultsAndCanBeSet() throws {
        let defaults = try load([("Routes/gateway.yaml", Self.valid)]).server
        #expect(defaults.metricsPort == nil && defaults.metricsToken == nil && !defaults.metricsKeyLabels)
        let text = Self.valid.replacingOccurrences(
            of: "port: 9090", with: "port: 9090, metrics_port: 9464, metrics_token: env:SCRAPE, metrics_key_labels: true")
        let set = try load([("Routes/gateway.yaml", text)]).server
        #expect(set.metricsPort == 9464 && set.metricsToken == .environment("SCRAPE") && set.metricsKeyLabels)
        #expect(
            error(Self.valid.replacingOccurrences(of: "port: 9090", with: "port: 9090, metrics_port: 9090")).contains(
                "metrics_port must differ from port"))
    }

    @Test func telemetryIsOffUntilACollectorIsNamed() throws {
        let defaults = try load([("Routes/gateway.yaml", Self.valid)]).telemetry
        #expect(defaults == TelemetrySettings() && defaults.tracesURL == nil)
        let set = try load([
            (
                "Routes/gateway.yaml",
                Self.valid + "\ntelemetry: { otlp_endpoint: 'http://collector:4318/', sample_ratio: 0.25, service_name: gw-eu }\n"
            )
        ]).telemetry
        #expect(set.sampleRatio == 0.25 && set.serviceName == "gw-eu")
        #expect(set.tracesURL == "http://collector:4318/v1/traces")
        #expect(
            TelemetrySettings(otlpEndpoint: "https://otel.example.com/custom/traces").tracesURL == "https://otel.example.com/custom/traces")
        #expect(error(Self.valid + "\ntelemetry: { otlp_endpoint: collector:4318 }\n").contains("telemetry.otlp_endpoint"))
        #expect(error(Self.valid + "\ntelemetry: { sample_ratio: 2 }\n").contains("telemetry.sample_ratio"))
        #expect(error(Self.valid + "\ntelemetry: { exporter: zipkin }\n").contains("exporter"))
    }

    @Test func aCAFileIsFoundBesideTheYAMLThatNamesIt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-ca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("-----BEGIN CERTIFICATE-----\n".utf8).write(to: folder.appendingPathComponent("internal-ca.pem"))
        let file = folder.appendingPathComponent("gateway.yaml").path
        let text = Self.valid.replacingOccurrences(of: "region: cn", with: "region: cn\n    ca_file: internal-ca.pem")
        let configuration = try load([(file, text)])
        #expect(configuration.provider(named: "deepseek")?.caFile == folder.appendingPathComponent("internal-ca.pem").path)
        let missing = text.replacingOccurrences(of: "internal-ca.pem", with: "missing.pem")
        #expect(error(missing, file: file).contains("providers[0].ca_file: cannot read"))
    }

    @Test func routingStrategiesAndCurrenciesAreValidated() throws {
        let cheapest = Self.valid.replacingOccurrences(of: "name: chat,", with: "name: chat, strategy: cheapest,")
        // private-model is priced in CNY: a price-comparing route needs a rate.
        #expect(
            error(cheapest).contains(
                "routes[0].targets[1]: 'deepseek/private-model' is priced in CNY; a cheapest route compares prices in USD, so add fx: { CNY: <rate> }"
            ))
        let converted = try load([("Routes/gateway.yaml", "currency: USD\nfx: { CNY: 0.14 }\n" + cheapest)])
        #expect(converted.currency.convert(10, from: "CNY") == Decimal(string: "1.4"))
        #expect(converted.route(named: "chat")?.strategy == .cheapest)
        #expect(error("fx: { yuan: 0.14 }\n" + Self.valid).contains("fx.yuan: expected an ISO 4217 currency code"))
        #expect(
            error(Self.valid.replacingOccurrences(of: "name: chat,", with: "name: chat, strategy: weighted,"))
                .contains("routes[0]: a weighted route needs weights: one per target"))
        #expect(
            error(Self.valid.replacingOccurrences(of: "name: chat,", with: "name: chat, strategy: weighted, weights: [1],"))
                .contains("routes[0].weights: expected one weight per target (2), got 1"))
        #expect(
            error(Self.valid.replacingOccurrences(of: "name: chat,", with: "name: chat, strategy: balanced,"))
                .contains("routes[0]: a balanced route needs latency_slo_ms"))
        #expect(
            error(Self.valid.replacingOccurrences(of: "name: chat,", with: "name: chat, strategy: fastest, max_attempts: 0,"))
                .contains("routes[0].max_attempts: 0 is out of range 1...100"))
        #expect(
            error(Self.valid.replacingOccurrences(of: "name: chat,", with: "name: chat, hedge_after_ms: 0,"))
                .contains("routes[0].hedge_after_ms: 0 is out of range 1...600000"))
        let hedged = try load([
            ("Routes/gateway.yaml", Self.valid.replacingOccurrences(of: "name: chat,", with: "name: chat, hedge_after_ms: 250,"))
        ])
        #expect(hedged.route(named: "chat")?.hedgeAfterMilliseconds == 250)
    }

    @Test func policiesAreValidated() throws {
        let finance = """
            policies:
              - { name: finance, regions: [cn, on-prem], deny_providers: [openai], max_input_per_mtok: { amount: 5, currency: CNY } }
            """
        let bound = Self.valid.replacingOccurrences(of: "policy: null", with: "policy: finance")
        #expect(error(bound + "\n" + finance).contains("policies[0].max_input_per_mtok: CNY does not convert to USD: add it to fx"))
        let configuration = try load([("Routes/gateway.yaml", "fx: { CNY: 0.14 }\n" + bound + "\n" + finance)])
        #expect(configuration.policy(named: "finance")?.regions == ["cn", "on-prem"])
        #expect(configuration.tenant(named: "demo")?.policy == "finance")
        #expect(
            error(bound + "\npolicies:\n  - { name: finance, pii: hide }").contains(
                "policies[0].pii: 'hide' is not one of allow, mask, block"))
        #expect(
            error(bound + "\npolicies:\n  - { name: finance, pii: block, pii_restore: true }")
                .contains("policies[0].pii_restore: pii_restore needs pii: mask"))
        let masking = try load([("Routes/gateway.yaml", bound + "\npolicies:\n  - { name: finance, pii: mask, pii_restore: true }")])
        #expect(masking.policy(named: "finance")?.personalData == .mask)
        #expect(masking.policy(named: "finance")?.restoresPersonalData == true)
        #expect(
            error(bound + "\npolicies:\n  - { name: finance, deployments: [cloud] }").contains(
                "'cloud' is not one of public, private, on-prem"))
        // The route's own policy excludes both of its targets (deepseek is region cn).
        let excluding =
            Self.valid.replacingOccurrences(of: "name: chat,", with: "name: chat, policy: eu-only,")
            + "\npolicies:\n  - { name: eu-only, regions: [eu] }"
        #expect(error(excluding).contains("routes[0].policy: policy 'eu-only' excludes every target of route 'chat'"))
        #expect(
            error(Self.valid.replacingOccurrences(of: "name: chat,", with: "name: chat, policy: nope,"))
                .contains("routes[0].policy: unknown policy 'nope'"))
    }

    @Test func singleValuedSectionsMayAppearInOneFileOnly() {
        do {
            _ = try load([("Routes/a.yaml", Self.valid), ("Routes/b.yaml", "ledger: sqlite:other.db")])
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("Routes/b.yaml:1:9: ledger: 'ledger' is already set in Routes/a.yaml"))
        }
    }

    @Test func duplicateNamesAcrossFilesAreReported() {
        let extra = """
            tenants:
              - { name: demo }
            """
        do {
            _ = try load([("Routes/a.yaml", Self.valid), ("Routes/b.yaml", extra)])
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("tenant 'demo' is already defined at Routes/a.yaml:17"))
        }
    }

    @Test func reportsEveryErrorAtOnce() {
        let text = Self.valid
            .replacingOccurrences(of: "dialect: openai", with: "dialect: nope")
            .replacingOccurrences(of: "{ name: demo, policy: null }", with: "{ name: demo, colour: red }")
        do {
            _ = try load([("g.yaml", text)])
            Issue.record("expected an error")
        } catch {
            #expect(error.errors.count == 4)  // the bad dialect, the bad tenant key, and both route targets of the now-missing provider
        }
    }

    @Test func invalidYAMLIsReportedWithTheFile() {
        #expect(error("providers: [", file: "Routes/x.yaml").hasPrefix("Routes/x.yaml: not valid YAML"))
    }

    @Test func theShippedRoutesAndCatalogAreValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let catalog = try ModelCatalog(contentsOf: root.appendingPathComponent("seeds/catalog.yaml"))
        #expect(catalog.entries.count >= 25)
        let vendors = Set(catalog.entries.map(\.vendor))
        #expect(
            vendors.isSuperset(of: [
                "openai", "anthropic", "google", "deepseek", "qwen", "baidu", "bytedance", "zhipu", "moonshot", "minimax",
            ]))
        #expect(catalog.entries.allSatisfy { $0.price.asOf?.count == 10 })
        // Embedding and rerank models, with their sizes and the price of a search.
        #expect(catalog.entry(for: "text-embedding-3-small")?.dimensions == 1536)
        #expect(catalog.entry(for: "gemini-embedding-001")?.kind == .embedding)
        #expect(catalog.entry(for: "rerank-v3.5")?.price.perThousandSearches == 2)
        #expect(catalog.entries.filter { $0.kind == .embedding }.allSatisfy { $0.dimensions != nil })
        let configuration = try ConfigurationLoader(catalog: catalog).load(directory: root.appendingPathComponent("Routes"))
        #expect(!configuration.routes.isEmpty)
        #expect(configuration.tenants.contains { $0.name == "demo" })
    }

    @Test func secretsNeverPrintThemselves() {
        let secret = SecretReference(parsing: "sk-live-123")
        #expect(!"\(secret)".contains("sk-live"))
        #expect(!"\(Secret("sk-live-123"))".contains("sk-live"))
        #expect(SecretReference(parsing: "env:KEY").resolve(in: ["KEY": "v"])?.revealed == "v")
        #expect(SecretReference(parsing: "env:KEY").resolve(in: ["KEY": ""]) == nil)
    }

    @Test func priceArithmeticIsExactDecimal() {
        let price = ModelPrice(
            inputPerMillion: Decimal(string: "0.28")!, outputPerMillion: Decimal(string: "0.42")!,
            cachedInputPerMillion: Decimal(string: "0.028")!, currency: "USD")
        let cost = price.cost(of: TokenUsage(input: 1_000, cachedInput: 400, output: 500))
        // 600 × 0.28 + 400 × 0.028 + 500 × 0.42 = 168 + 11.2 + 210 = 389.2 per million
        #expect(cost == Decimal(string: "0.0003892")!)
    }
}
