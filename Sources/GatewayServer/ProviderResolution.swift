public import GatewayConfig
public import Providers

/// Decides, at start-up, how each configured provider is reached: with its real key, through an
/// offline mock, or not at all (and why).
///
/// Offline mode exists so a fresh checkout answers real streamed requests with no keys; it is
/// all-or-nothing on purpose — a gateway that has some real keys must never quietly answer
/// with fake text for the providers whose keys are missing.
public struct ProviderResolution: Sendable {
    public enum OfflineMode: String, Sendable, CaseIterable {
        /// Offline when providers declare `api_key`s and none of them is set
        /// (a configuration of keyless on-prem providers is always live).
        case auto
        case on
        case off
    }

    public let isOffline: Bool
    /// Providers needing a mock (offline mode only), with the mock's profile.
    public let mockedProviders: [(provider: ProviderConfiguration, profile: MockProfile)]
    /// Providers that can't be called, with the reason (an unset key variable).
    public let unavailable: [String: String]

    public init(configuration: GatewayConfiguration, environment: [String: String], mode: OfflineMode) {
        let declaringKeys = configuration.providers.filter { $0.apiKey != nil }
        let anyKeySet = declaringKeys.contains { $0.apiKey?.resolve(in: environment) != nil }
        switch mode {
        case .on: isOffline = true
        case .off: isOffline = false
        case .auto: isOffline = !declaringKeys.isEmpty && !anyKeySet
        }
        if isOffline {
            mockedProviders = configuration.providers.enumerated().map { index, provider in
                // Distinct default speeds make routing differences visible offline.
                let profile =
                    provider.mock ?? MockProfile(timeToFirstTokenMilliseconds: 20 + 30 * index, tokensPerSecond: 150 - 25 * (index % 4))
                return (provider, profile)
            }
            unavailable = [:]
        } else {
            mockedProviders = []
            var unavailable: [String: String] = [:]
            for provider in configuration.providers {
                if let reference = provider.apiKey, reference.resolve(in: environment) == nil {
                    unavailable[provider.name] = "its key \(reference) is not set"
                }
            }
            self.unavailable = unavailable
        }
    }

    /// Endpoints for every callable provider; `mockBaseURLs` maps mocked providers to their local URL.
    public func endpoints(
        for configuration: GatewayConfiguration, environment: [String: String], mockBaseURLs: [String: String] = [:]
    ) -> [String: UpstreamEndpoint] {
        var endpoints: [String: UpstreamEndpoint] = [:]
        for provider in configuration.providers where unavailable[provider.name] == nil {
            if isOffline {
                guard let url = mockBaseURLs[provider.name] else { continue }
                endpoints[provider.name] = UpstreamEndpoint(configuration: provider, apiKey: nil, baseURL: url)
            } else {
                endpoints[provider.name] = UpstreamEndpoint(
                    configuration: provider, apiKey: provider.apiKey?.resolve(in: environment))
            }
        }
        return endpoints
    }
}
