import Foundation
public import GatewayConfig
import GatewayModel
public import NIOHTTP1

/// A provider made ready to call: its resolved key, address and headers, computed once per
/// config load so the hot path only adds the per-request ones.
public struct UpstreamEndpoint: Sendable {
    public let providerName: String
    public let configuration: ProviderConfiguration
    /// Where chat requests go: `base_url` + `/chat/completions` (OpenAI), `/v1/messages`
    /// (Anthropic) or `/models/{model}:generateContent` (Gemini), plus configured query items;
    /// for the rerank formats, where rerank requests go (``pathSuffix(dialect:baseURL:)``).
    public let requestURL: String
    /// Headers every call carries: host, the key (per `auth`), extra headers, JSON content type.
    public let headers: HTTPHeaders
    /// Where to connect, parsed from ``requestURL``.
    let address: Address
    /// Kept only to scrub it from upstream error text, which some providers echo back.
    let apiKey: Secret?

    struct Address: Sendable, Hashable {
        let host: String
        let port: Int
        let usesTLS: Bool
        /// Path and query of the chat endpoint, as sent in the request line (Gemini's has a
        /// `{model}` placeholder).
        let requestPath: String
        let dialect: WireFormat

        /// The request line's path for one call.
        func path(_ operation: UpstreamOperation = .chat, model: String, stream: Bool) -> String {
            switch dialect {
            case .gemini:
                let method = operation == .embeddings ? "batchEmbedContents" : stream ? "streamGenerateContent" : "generateContent"
                var path = requestPath.replacingOccurrences(of: "{model}:generateContent", with: "\(model):\(method)")
                if stream { path += path.contains("?") ? "&alt=sse" : "?alt=sse" }
                return path
            case .openAI where operation != .chat: return Self.path(of: operation, besideChat: requestPath)
            default: return requestPath
            }
        }

        /// OpenAI's other endpoints sit beside chat: `…/chat/completions?q` → `…/completions?q`,
        /// `…/responses?q` or `…/embeddings?q`.
        static func path(of operation: UpstreamOperation, besideChat path: String) -> String {
            guard let range = path.range(of: "/chat/completions") else { return path }
            return path.replacingCharacters(in: range, with: "/\(operation.rawValue)")
        }
    }

    /// What follows `base_url` in a call's URL. A rerank server that serves its shape elsewhere
    /// than the vendor does (Jina's `/v1/rerank`) names the whole path in `base_url`.
    static func pathSuffix(dialect: WireFormat, baseURL: String) -> String {
        switch dialect {
        case .openAI: "/chat/completions"
        case .anthropic: "/v1/messages"
        case .gemini: "/models/{model}:generateContent"
        case .cohere: baseURL.hasSuffix("/rerank") ? "" : "/v2/rerank"
        case .dashscope: baseURL.hasSuffix("/text-rerank") ? "" : "/api/v1/services/rerank/text-rerank/text-rerank"
        }
    }

    /// - Parameters:
    ///   - baseURL: overrides `base_url` (offline mode points providers at local mocks).
    public init(configuration: ProviderConfiguration, apiKey: Secret?, baseURL: String? = nil) {
        self.providerName = configuration.name
        self.configuration = configuration
        let base = baseURL ?? configuration.baseURL
        let suffix = Self.pathSuffix(dialect: configuration.dialect, baseURL: base)
        var url = base + suffix
        if !configuration.query.isEmpty {
            let items = configuration.query.sorted { $0.key < $1.key }.map {
                "\(Self.percentEncoded($0.key))=\(Self.percentEncoded($0.value))"
            }
            url += "?" + items.joined(separator: "&")
        }
        self.requestURL = url
        self.apiKey = apiKey
        // The configuration loader has checked the URL is http(s) with a host.
        let components = URLComponents(string: url.replacingOccurrences(of: "{model}", with: "MODEL"))
        let usesTLS = components?.scheme?.lowercased() == "https"
        let host = components?.host ?? "localhost"
        let defaultPort = usesTLS ? 443 : 80
        let port = components?.port ?? defaultPort
        var path = (components?.percentEncodedPath ?? suffix).replacingOccurrences(of: "MODEL", with: "{model}")
        if let query = components?.percentEncodedQuery { path += "?" + query }
        self.address = Address(host: host, port: port, usesTLS: usesTLS, requestPath: path, dialect: configuration.dialect)

        var headers = HTTPHeaders()
        let hostName = host.contains(":") ? "[\(host)]" : host
        headers.add(name: "host", value: port == defaultPort ? hostName : "\(hostName):\(port)")
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "accept", value: "application/json, text/event-stream")
        headers.add(name: "user-agent", value: "switchyard")
        if configuration.dialect == .anthropic { headers.add(name: "anthropic-version", value: "2023-06-01") }
        for (name, value) in configuration.headers.sorted(by: { $0.key < $1.key }) {
            headers.add(name: name, value: value)
        }
        if let apiKey {
            switch configuration.authentication {
            case .bearer: headers.add(name: "authorization", value: "Bearer \(apiKey.revealed)")
            case .apiKeyHeader: headers.add(name: "api-key", value: apiKey.revealed)
            case .xAPIKey: headers.add(name: "x-api-key", value: apiKey.revealed)
            case .googAPIKey: headers.add(name: "x-goog-api-key", value: apiKey.revealed)
            case .noKey: break
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
