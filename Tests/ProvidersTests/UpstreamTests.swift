import GatewayConfig
import GatewayModel
import NIOHTTP1
import Testing

@testable import Providers

@Suite struct UpstreamTests {
    @Test func endpointsCarryTheKeyAsTheProviderWantsIt() {
        var azure = ProviderConfiguration(
            name: "azure", dialect: .openAI, baseURL: "https://x.openai.azure.com/openai/deployments/gpt-4o",
            authentication: .apiKeyHeader, query: ["api-version": "2024-10-21"], headers: ["x-extra": "1"])
        let endpoint = UpstreamEndpoint(configuration: azure, apiKey: Secret("azure-key"))
        #expect(endpoint.requestURL == "https://x.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21")
        #expect(endpoint.headers["api-key"] == ["azure-key"])
        #expect(endpoint.headers["authorization"].isEmpty)
        #expect(endpoint.headers["x-extra"] == ["1"])

        // The legacy completions endpoint sits beside chat, query items kept.
        #expect(
            endpoint.address.path(.completions, model: "m", stream: true) == "/openai/deployments/gpt-4o/completions?api-version=2024-10-21"
        )
        #expect(endpoint.address.path(model: "m", stream: true) == "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21")

        azure.authentication = .bearer
        #expect(UpstreamEndpoint(configuration: azure, apiKey: Secret("k")).headers["authorization"] == ["Bearer k"])
        azure.authentication = .noKey
        #expect(UpstreamEndpoint(configuration: azure, apiKey: Secret("k")).headers["authorization"].isEmpty)
    }

    @Test func eachDialectHasItsOwnPathAndKeyHeader() {
        let anthropic = UpstreamEndpoint(
            configuration: ProviderConfiguration(name: "a", dialect: .anthropic, baseURL: "https://api.anthropic.com"),
            apiKey: Secret("ak"))
        #expect(anthropic.requestURL == "https://api.anthropic.com/v1/messages")
        #expect(anthropic.address.path(model: "claude", stream: true) == "/v1/messages")
        #expect(anthropic.headers["x-api-key"] == ["ak"])
        #expect(anthropic.headers["anthropic-version"] == ["2023-06-01"])
        #expect(anthropic.headers["authorization"].isEmpty)

        let gemini = UpstreamEndpoint(
            configuration: ProviderConfiguration(
                name: "g", dialect: .gemini, baseURL: "https://generativelanguage.googleapis.com/v1beta"),
            apiKey: Secret("gk"))
        #expect(gemini.address.path(model: "gemini-2.5-flash", stream: false) == "/v1beta/models/gemini-2.5-flash:generateContent")
        #expect(
            gemini.address.path(model: "gemini-2.5-flash", stream: true) == "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")
        #expect(gemini.headers["x-goog-api-key"] == ["gk"])
        #expect(gemini.headers["host"] == ["generativelanguage.googleapis.com"])
    }

    @Test func failuresMapToTheRightClientStatus() {
        func status(_ kind: UpstreamFailure.Kind) -> Int { UpstreamFailure(provider: "p", kind: kind, detail: "d").gatewayError.status }
        #expect(status(.unreachable) == 502)
        #expect(status(.timeout) == 504)
        #expect(status(.rateLimited(retryAfterSeconds: 3)) == 429)
        #expect(UpstreamFailure(provider: "p", kind: .rateLimited(retryAfterSeconds: 3), detail: "").gatewayError.retryAfterSeconds == 3)
        #expect(status(.serverError(status: 503)) == 502)
        #expect(status(.credentialsRejected(status: 401)) == 502)
        #expect(status(.requestRejected(status: 422)) == 422)
        #expect(!UpstreamFailure(provider: "p", kind: .requestRejected(status: 400), detail: "").allowsFallback)
        #expect(UpstreamFailure(provider: "p", kind: .modelUnknown(status: 404), detail: "").allowsFallback)
    }

    @Test func anEchoedKeyIsScrubbedFromTheDetail() {
        let failure = UpstreamFailure(provider: "p", kind: .requestRejected(status: 400), detail: "bad key sk-secret-123 for model")
        let scrubbed = failure.redacting(Secret("sk-secret-123"))
        #expect(scrubbed.detail == "bad key <redacted> for model")
        #expect(!scrubbed.gatewayError.message.contains("sk-secret"))
    }
}
