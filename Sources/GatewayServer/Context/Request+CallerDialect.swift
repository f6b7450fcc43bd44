import GatewayModel
import HTTPTypes
import Hummingbird

extension Request {
    /// The API dialect the caller speaks, for answers shaped per dialect (errors, model lists):
    /// Google's under `/v1beta/`; Anthropic's under `/v1/messages` and for Anthropic SDK callers
    /// elsewhere (they always send `anthropic-version`; older ones authenticate with `x-api-key`);
    /// Cohere's for rerank; OpenAI's otherwise.
    var callerDialect: WireFormat {
        let path = uri.path
        if path.hasPrefix("/v1beta/") { return .gemini }
        if RetrievalController.rerankPaths.contains(path) { return .cohere }
        if path.hasPrefix("/v1/messages") || headers.value(of: Self.anthropicVersion) != nil
            || headers.value(of: BearerAuthenticator.xAPIKey) != nil
        {
            return .anthropic
        }
        return .openAI
    }

    private static let anthropicVersion = HTTPField.Name("anthropic-version")!
}
