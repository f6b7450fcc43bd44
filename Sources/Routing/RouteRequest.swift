public import GatewayModel

/// What routing needs to know of one request, read by the inbound dialect without decoding it.
public struct RouteRequest: Sendable, Hashable {
    /// As the client sent it: a route, `provider/model` or a model name.
    public var model: String
    /// Estimated prompt size (the gateway has no provider tokenizer: about four bytes a token).
    public var promptTokens: Int
    /// The request's output limit, if it set one.
    public var maxOutputTokens: Int?
    /// Capabilities a target must have: `tools`, `vision` (images), `json` (JSON mode).
    public var needs: Set<ModelCapability>
    /// The caller's tenant, whose policy applies.
    public var tenant: String?
    /// A uniform draw in 0..<1 for the strategies that randomise (weighted, fastest's
    /// exploration): ``RoutingDraw``'s unless the caller gives one (tests fix it).
    public var roll: Double
    /// The kinds of personal data found in the prompt (`email`, `phone`…), read only when a
    /// policy's `pii:` asks; under `pii: block` they keep public deployments out.
    public var personalData: [String] = []
    /// Only a provider's own endpoint for this operation can take the request — no chat API
    /// expresses it: a legacy completions batch, token ids or `max_tokens: 0`; a Responses
    /// request with built-in tools (`web_search`…).
    public var requiredEndpoint: UpstreamOperation?
    /// The kind of model the request is for: a chat API's request never goes to an embedding or
    /// rerank model, however a route is named.
    public var kind: ModelKind = .chat
    /// Rerank searches the request will be billed (priced `per_1k_searches`).
    public var searches = 0
    /// The vector size an embeddings request asks for: a model that gives fewer can't serve it.
    public var dimensions: Int?
    /// Embeddings: the longest input's estimated tokens, which must fit the model's context (the
    /// request as a whole is split into calls).
    public var longestInputTokens: Int?

    public init(
        model: String, promptTokens: Int = 0, maxOutputTokens: Int? = nil, needs: Set<ModelCapability> = [],
        tenant: String? = nil, roll: Double? = nil
    ) {
        self.model = model
        self.promptTokens = promptTokens
        self.maxOutputTokens = maxOutputTokens
        self.needs = needs
        self.tenant = tenant
        self.roll = roll ?? RoutingDraw.next()
    }
}

extension RouteRequest {
    /// What `route explain` (CLI and admin API) takes in `needs`: the capabilities, and
    /// `completions` or `responses` for a request only that endpoint of a provider's can take.
    public static let needNames = ModelCapability.allCases.map(\.rawValue) + ["completions", "responses"]

    /// Adds the need `name` (one of ``needNames``); false for a name that is none of them.
    public mutating func addNeed(named name: String) -> Bool {
        if let endpoint = UpstreamOperation(rawValue: name), endpoint != .chat {
            requiredEndpoint = endpoint
        } else if let capability = ModelCapability(rawValue: name) {
            needs.insert(capability)
        } else {
            return false
        }
        return true
    }
}
