import Foundation
import GatewayConfig
import GatewayModel
import GatewayServer
import NIOHTTP1
import Providers
import Testing

@Suite struct ProviderResolutionTests {
    static func provider(_ name: String, key: String?) -> ProviderConfiguration {
        ProviderConfiguration(
            name: name, dialect: .openAI, baseURL: "https://\(name).example/v1", apiKey: key.map { .environment($0) },
            authentication: key == nil ? .noKey : .bearer,
            models: [ModelOffering(name: "m", price: ModelPrice(inputPerMillion: 1, outputPerMillion: 1, currency: "USD"))])
    }

    static let configuration = GatewayConfiguration(providers: [
        provider("deepseek", key: "DEEPSEEK_API_KEY"), provider("openai", key: "OPENAI_API_KEY"), provider("vllm", key: nil),
    ])

    @Test func noKeysSetMeansOfflineWithEveryProviderMocked() {
        let resolution = ProviderResolution(configuration: Self.configuration, environment: [:], mode: .auto)
        #expect(resolution.isOffline)
        #expect(resolution.mockedProviders.map(\.provider.name) == ["deepseek", "openai", "vllm"])
        let endpoints = resolution.endpoints(
            for: Self.configuration, environment: [:], mockBaseURLs: ["deepseek": "http://127.0.0.1:1/v1"])
        #expect(endpoints["deepseek"]?.requestURL == "http://127.0.0.1:1/v1/chat/completions")
        #expect(endpoints["deepseek"]?.headers["authorization"].isEmpty == true)
    }

    @Test func oneKeySetMeansLiveAndUnkeyedProvidersAreSkippedNotMocked() {
        let resolution = ProviderResolution(
            configuration: Self.configuration, environment: ["OPENAI_API_KEY": "sk-x"], mode: .auto)
        #expect(!resolution.isOffline)
        #expect(resolution.mockedProviders.isEmpty)
        #expect(resolution.unavailable == ["deepseek": "its key env:DEEPSEEK_API_KEY is not set"])
        let endpoints = resolution.endpoints(for: Self.configuration, environment: ["OPENAI_API_KEY": "sk-x"])
        #expect(Set(endpoints.keys) == ["openai", "vllm"])
        #expect(endpoints["openai"]?.headers["authorization"] == ["Bearer sk-x"])
    }

    @Test func keylessOnPremConfigurationsAreAlwaysLive() {
        let configuration = GatewayConfiguration(providers: [Self.provider("vllm", key: nil)])
        #expect(!ProviderResolution(configuration: configuration, environment: [:], mode: .auto).isOffline)
        #expect(ProviderResolution(configuration: configuration, environment: [:], mode: .on).isOffline)
        #expect(!ProviderResolution(configuration: Self.configuration, environment: [:], mode: .off).isOffline)
    }
}
