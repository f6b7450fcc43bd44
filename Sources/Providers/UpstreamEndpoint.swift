import Foundation
public import GatewayConfig
public import NIOHTTP1

/// A provider made ready to call: its resolved key, URL and headers, computed once per config load.
public struct UpstreamEndpoint: Sendable {
    public let providerName: String
    public let configuration: ProviderConfiguration
    /// `base_url` + `/chat/completions` + configured query items.
    public let chatCompletionsURL: String
    /// Headers every call carries: the key (per `auth`), extra headers, JSON content type.
    public let headers: HTTPHeaders
    /// Kept only to scrub it from upstream error text, which some providers echo back.
    let apiKey: Secret?

    /// - Parameters:
    ///   - baseURL: overrides `base_url` (offline mode points providers at local mocks).
    public init(configuration: ProviderConfiguration, apiKey: Secret?, baseURL: String? = nil) {
        self.providerName = configuration.name
        self.configuration = configuration
        var url = (baseURL ?? configuration.baseURL) + "/chat/completions"
        if !configuration.query.isEmpty {
            let items = configuration.query.sorted { $0.key < $1.key }.map { "\(Self.percentEncoded($0.key))=\(Self.percentEncoded($0.value))" }
            url += "?" + items.joined(separator: "&")
        }
        self.chatCompletionsURL = url
        self.apiKey = apiKey
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "accept", value: "application/json, text/event-stream")
        for (name, value) in configuration.headers.sorted(by: { $0.key < $1.key }) {
            headers.add(name: name, value: value)
        }
        if let apiKey {
            switch configuration.authentication {
            case .bearer: headers.add(name: "authorization", value: "Bearer \(apiKey.revealed)")
            case .apiKeyHeader: headers.add(name: "api-key", value: apiKey.revealed)
            case .none: break
            }
        }
        self.headers = headers
    }

    private static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? text
    }
}

extension CharacterSet {
    fileprivate static let urlQueryValueAllowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+?#"))
}
