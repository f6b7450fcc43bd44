import GatewayModel

extension UpstreamOperation {
    /// The answer when a request only this operation's own endpoint can take finds no target
    /// that declares it: a 400 saying what needed the endpoint and how to go on.
    func refusal(model: String, reasons: String) -> GatewayError {
        switch self {
        case .completions:
            .invalidRequest(
                "This request (a batch of prompts, a prompt of token ids or max_tokens 0) can go only to a provider's own completions endpoint, and no target of '\(model)' declares one (completions: true): send one text prompt per request, or route to such a provider (\(reasons)).",
                parameter: "prompt", code: "invalid_value")
        case .responses:
            .invalidRequest(
                "This request's built-in tools run only on a provider's own Responses API, and no target of '\(model)' declares one (responses: true): offer them as function tools, or route to such a provider (\(reasons)).",
                parameter: "tools", code: "unsupported_tool")
        case .embeddings, .rerank:
            .invalidRequest(
                "No target of '\(model)' is at a provider that serves \(rawValue) (\(reasons)).", parameter: "model",
                code: "model_not_supported")
        case .chat:
            .invalidRequest("No target of '\(model)' can take this request (\(reasons)).", parameter: "model", code: "model_not_supported")
        }
    }
}
