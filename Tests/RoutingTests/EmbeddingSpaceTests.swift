import Foundation
import GatewayConfig
import GatewayModel
import Routing
import Testing

/// An index never gets vectors from the wrong model: an embedding route serves one embedding space.
@Suite struct EmbeddingSpaceTests {
    static let catalog = try! ModelCatalog(
        yaml: """
            models:
              - { vendor: openai, name: text-embedding-3-small, kind: embedding, dimensions: 1536, input_per_mtok: 0.02, output_per_mtok: 0, currency: USD, as_of: 2026-11-30 }
              - { vendor: google, name: gemini-embedding-001, kind: embedding, dimensions: 3072, input_per_mtok: 0.15, output_per_mtok: 0, currency: USD, as_of: 2026-11-30 }
              - { vendor: deepseek, name: deepseek-chat, input_per_mtok: 0.28, output_per_mtok: 0.42, currency: USD, as_of: 2025-10-01 }
            """, file: "catalog.yaml")

    static func config(models: String, targets: String) -> String {
        """
        providers:
          - name: openai
            dialect: openai
            base_url: https://api.openai.com/v1
            api_key: env:OPENAI_API_KEY
            models: [{ name: text-embedding-3-small }, { name: gemini-embedding-001 }, { name: deepseek-chat }]
          - name: local
            dialect: openai
            base_url: http://10.0.0.5:8000/v1
            api_key: env:LOCAL_KEY
            deployment: on-prem
            models:
        \(models)
        routes:
          - { name: docs, targets: [\(targets)] }
        """
    }

    func load(_ text: String) throws(ConfigurationErrors) -> GatewayConfiguration {
        try ConfigurationLoader(catalog: Self.catalog).load(sources: [(file: "Routes/gateway.yaml", text: text)])
    }

    func error(_ text: String) -> String {
        do {
            _ = try load(text)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func aRouteMixingSpacesIsRefusedNamingBoth() {
        let text = Self.config(
            models: "      - { name: bge-m3, kind: embedding, dimensions: 1024, input_per_mtok: 0, output_per_mtok: 0, currency: USD }",
            targets: "openai/text-embedding-3-small, openai/gemini-embedding-001")
        let message = error(text)
        #expect(message.contains("Routes/gateway.yaml:"))
        #expect(message.contains("routes[0].targets[1]"))
        #expect(
            message.contains(
                "route 'docs' mixes embedding spaces: 'openai/text-embedding-3-small' is in text-embedding-3-small@1536, 'openai/gemini-embedding-001' in gemini-embedding-001@3072"
            ))
    }

    @Test func oneModelHostedTwiceIsOneSpaceWhenDeclared() throws {
        let models = """
                  - { name: bge-m3, kind: embedding, dimensions: 1024, space: bge-m3, input_per_mtok: 0, output_per_mtok: 0, currency: USD }
                  - { name: bge-m3-hosted, upstream: BAAI/bge-m3, kind: embedding, dimensions: 1024, space: bge-m3, input_per_mtok: 0.1, output_per_mtok: 0, currency: USD }
            """
        #expect(error(Self.config(models: models, targets: "local/bge-m3, local/bge-m3-hosted")) == "no error")
        // Without the declaration, the two names are two spaces.
        let undeclared = models.replacingOccurrences(of: "space: bge-m3, ", with: "")
        #expect(error(Self.config(models: undeclared, targets: "local/bge-m3, local/bge-m3-hosted")).contains("mixes embedding spaces"))
    }

    @Test func aRouteServesOneKindOfModel() {
        let message = error(
            Self.config(
                models: "      - { name: bge-m3, kind: embedding, input_per_mtok: 0, output_per_mtok: 0, currency: USD }",
                targets: "openai/deepseek-chat, local/bge-m3"))
        #expect(message.contains("route 'docs' mixes kinds of model: 'openai/deepseek-chat' is chat, 'local/bge-m3' is embedding"))
    }

    @Test func dimensionsAndSpacesAreForEmbeddingModels() {
        let message = error(
            Self.config(
                models: "      - { name: qwen, space: x, input_per_mtok: 1, output_per_mtok: 1, currency: USD }",
                targets: "local/qwen"))
        #expect(message.contains("space is for embedding models (kind: embedding)"))
    }

    @Test func explainShowsTheSpace() throws {
        let configuration = try load(
            Self.config(
                models: "      - { name: bge-m3, kind: embedding, dimensions: 1024, input_per_mtok: 0, output_per_mtok: 0, currency: USD }",
                targets: "local/bge-m3"))
        let explanation = try #require(
            RoutePlanner(configuration: configuration).explain(RouteRequest(model: "docs", tenant: nil, roll: 0)))
        #expect(explanation.embeddingSpace == "bge-m3@1024")
        #expect(explanation.chosen?.description == "local/bge-m3")  // explained as an embeddings request
        #expect(explanation.table.hasPrefix("route docs (strategy ordered, embedding space bge-m3@1024)"))
        #expect(explanation.jsonObject["embedding_space"] as? String == "bge-m3@1024")
    }
}

extension EmbeddingSpaceTests {
    @Test func aChatRequestNeverGoesToAnEmbeddingModel() throws {
        let configuration = try load(
            Self.config(
                models: "      - { name: bge-m3, kind: embedding, dimensions: 1024, input_per_mtok: 0, output_per_mtok: 0, currency: USD }",
                targets: "local/bge-m3"))
        let planner = RoutePlanner(configuration: configuration)
        let plan = try #require(planner.plan(for: RouteRequest(model: "docs", tenant: nil, roll: 0)))
        #expect(plan.targets.isEmpty)
        #expect(plan.excluded.map(\.reason.description) == ["an embedding model, not chat"])
        let refusal = plan.refusal(model: "docs")
        #expect(refusal.status == 400 && refusal.code == "model_not_supported")
        #expect(refusal.message.hasPrefix("'docs' serves embedding models and this API takes chat models"))
        var embeddings = RouteRequest(model: "docs", tenant: nil, roll: 0)
        embeddings.kind = .embedding
        #expect(try #require(planner.plan(for: embeddings)).targets.map(\.reference.description) == ["local/bge-m3"])
    }
}

extension EmbeddingSpaceTests {
    func embeddingsPlanner(context: Int = 8192) throws -> RoutePlanner {
        try RoutePlanner(
            configuration: load(
                Self.config(
                    models:
                        "      - { name: bge-m3, kind: embedding, dimensions: 1024, context: \(context), max_inputs: 10, input_per_mtok: 1000, output_per_mtok: 1000, per_1k_searches: 0, currency: USD }",
                    targets: "local/bge-m3")))
    }

    func embeddings(dimensions: Int? = nil, longest: Int? = nil, total: Int = 10) -> RouteRequest {
        var request = RouteRequest(model: "docs", promptTokens: total, tenant: nil, roll: 0)
        request.kind = .embedding
        request.dimensions = dimensions
        request.longestInputTokens = longest
        return request
    }

    @Test func moreDimensionsThanTheModelGivesIsA400BeforeAnyCall() throws {
        let plan = try #require(try embeddingsPlanner().plan(for: embeddings(dimensions: 2048)))
        #expect(plan.targets.isEmpty && plan.excluded.map(\.reason) == [.fewerDimensions(1024, wanted: 2048)])
        let refusal = plan.refusal(model: "docs")
        #expect(refusal.status == 400 && refusal.parameter == "dimensions")
        #expect(try #require(try embeddingsPlanner().plan(for: embeddings(dimensions: 256))).targets.count == 1)
    }

    @Test func eachInputMustFitTheContextButNotTheirSum() throws {
        // 100 inputs of 100 tokens: 10,000 in all, far past the 8,192 one input may hold — fine.
        #expect(try #require(try embeddingsPlanner().plan(for: embeddings(longest: 100, total: 10_000))).targets.count == 1)
        let plan = try #require(try embeddingsPlanner().plan(for: embeddings(longest: 9000, total: 9000)))
        #expect(plan.excluded.map(\.reason) == [.inputTooLong(limit: 8192, needed: 9000)])
        #expect(plan.refusal(model: "docs").parameter == "input")
        #expect(plan.refusal(model: "docs").code == "context_length_exceeded")
    }

    @Test func anEmbeddingsBudgetReservesTheInputOnly() throws {
        let planner = try embeddingsPlanner()
        let request = embeddings(total: 1000)
        let plan = try #require(planner.plan(for: request))
        // 1,000 tokens at 0.001 USD; no output is reserved though the model has an output price.
        #expect(abs(planner.worstCaseCost(of: plan, for: request) - 1.0) < 1e-9)
    }
}

extension EmbeddingSpaceTests {
    @Test func maxInputsIsForEmbeddingAndRerankModels() throws {
        let message = error(
            Self.config(
                models: "      - { name: qwen, max_inputs: 10, input_per_mtok: 1, output_per_mtok: 1, currency: USD }",
                targets: "local/qwen"))
        #expect(message.contains("max_inputs is for embedding and rerank models"))
        let configuration = try load(
            Self.config(
                models: "      - { name: bge-m3, kind: embedding, max_inputs: 32, input_per_mtok: 0, output_per_mtok: 0, currency: USD }",
                targets: "local/bge-m3"))
        #expect(configuration.providers[1].model(named: "bge-m3")?.maxInputs == 32)
    }
}

extension EmbeddingSpaceTests {
    @Test func aRerankRouteWeighsSearchesAgainstTokens() throws {
        let configuration = try load(
            """
            providers:
              - name: cohere
                dialect: cohere
                base_url: https://api.cohere.com
                api_key: env:COHERE_KEY
                models: [{ name: rerank-v3.5, kind: rerank, input_per_mtok: 0, output_per_mtok: 0, per_1k_searches: 2, currency: USD }]
              - name: dash
                dialect: dashscope
                base_url: https://dashscope.aliyuncs.com
                api_key: env:DASH_KEY
                models: [{ name: gte-rerank-v2, kind: rerank, input_per_mtok: 0.115, output_per_mtok: 0, currency: USD }]
            routes:
              - { name: rerank, strategy: cheapest, targets: [cohere/rerank-v3.5, dash/gte-rerank-v2] }
            """)
        let planner = RoutePlanner(configuration: configuration)
        var request = RouteRequest(model: "rerank", promptTokens: 1000, tenant: nil, roll: 0)
        request.kind = .rerank
        request.searches = 1
        // One search is 0.002 USD; 1,000 tokens at 0.115 per million are 0.000115.
        #expect(
            try #require(planner.plan(for: request)).targets.map(\.reference.description) == ["dash/gte-rerank-v2", "cohere/rerank-v3.5"])
        request.promptTokens = 100_000  // 0.0115 USD of tokens: now the search is cheaper
        #expect(try #require(planner.plan(for: request)).targets.first?.reference.description == "cohere/rerank-v3.5")
        let explained = try #require(planner.explain(RouteRequest(model: "rerank", tenant: nil, roll: 0)))
        #expect(explained.candidates.first(where: { $0.reference.description == "cohere/rerank-v3.5" })?.expectedCost == 0.002)
    }
}
