import Dialects
import Foundation
import GatewayModel
import HTTPTypes
import Hummingbird
import JSONScanning
import Metering
import NIOCore
import Routing

/// Google's Gemini API for apps on google-genai (`http_options.base_url` at the gateway):
/// `POST /v1beta/models/{model}:generateContent`, `:streamGenerateContent`, `:countTokens`,
/// `:embedContent`, `:batchEmbedContents`, and
/// `GET /v1beta/models[/{model}]`. `{model}` is a route, `provider/model` or model name, as
/// elsewhere; the key comes as `x-goog-api-key`, `?key=` or a bearer token. Errors take Google's
/// envelope (``ErrorRenderingMiddleware``).
struct GeminiController: Sendable {
    let live: LiveGateway
    let authenticator: BearerAuthenticator

    func register(on router: Router<GatewayRequestContext>) {
        // `provider/model` holds a slash: the model and method are the rest of the path.
        router.post("/v1beta/models/**") { request, context in
            let (model, method) = try Self.modelAndMethod(ModelsController.modelID(in: context.parameters))
            let key = try await authenticator.authenticateGoogle(request)
            let proxy = RequestProxy(gateway: live.current)
            let body = try await JSONRequestBody.read(request, limit: proxy.maxBodyBytes)
            switch method {
            case "generateContent", "streamGenerateContent":
                let generate = try GeminiGenerateRequest(body: body, model: model, stream: method == "streamGenerateContent")
                return try await proxy.forward(generate, for: key, forwarding: ForwardedHeaders(request), context: context)
            case "embedContent", "batchEmbedContents":
                let embed = try GeminiEmbedRequest(body: body, model: model, batch: method == "batchEmbedContents")
                return try await proxy.forward(embed, for: key, forwarding: ForwardedHeaders(request), context: context)
            case "countTokens":
                // An estimate of the gateway's own (no provider call), as for Anthropic's count_tokens.
                let count = try Self.countTokens(body, model: model)
                return Response.json(#"{"totalTokens":\#(count)}"#.utf8)
            default:
                throw GatewayError.notFound(
                    message:
                        "Method '\(method)' is not served by this gateway; it serves generateContent, streamGenerateContent, countTokens, embedContent and batchEmbedContents."
                )
            }
        }
        router.get("/v1beta/models") { request, _ in
            Response.json(GeminiModelList.body(models: try await visibleModels(request)))
        }
        router.get("/v1beta/models/**") { request, context in
            let id = Self.modelID(ModelsController.modelID(in: context.parameters))
            guard try await visibleModels(request).contains(id) else { throw GatewayError.modelNotFound(id) }
            return Response.json(GeminiModelList.model(id: id).utf8)
        }
    }

    private func visibleModels(_ request: Request) async throws -> [String] {
        let key = try await authenticator.authenticateGoogle(request)
        return live.current.planner.modelNames.map(\.id).filter(key.mayCall)
    }

    /// `gem:generateContent` or `models/gem:generateContent` → (`gem`, `generateContent`).
    static func modelAndMethod(_ path: String) throws(GatewayError) -> (model: String, method: String) {
        guard let colon = path.lastIndex(of: ":") else {
            throw .notFound(message: "Expected models/{model}:{method}, e.g. models/gemini-2.5-flash:generateContent.")
        }
        return (modelID(String(path[..<colon])), String(path[path.index(after: colon)...]))
    }

    /// The id without Google's `models/` prefix (which google-genai may send doubled).
    static func modelID(_ path: String) -> String {
        path.hasPrefix("models/") ? String(path.dropFirst("models/".count)) : path
    }

    /// `countTokens` takes `contents` or a whole `generateContentRequest`.
    static func countTokens(_ body: [UInt8], model: String) throws(GatewayError) -> Int {
        let index: JSONObjectIndex
        do {
            index = try JSONObjectIndex(document: body)
        } catch {
            throw .invalidJSON(error.description)
        }
        if let inner = index.rawValue("generateContentRequest"), index["generateContentRequest"]?.kind == .object {
            return try GeminiGenerateRequest(body: Array(inner), model: model, stream: false).estimatedInputTokens
        }
        return try GeminiGenerateRequest(body: body, model: model, stream: false).estimatedInputTokens
    }
}
