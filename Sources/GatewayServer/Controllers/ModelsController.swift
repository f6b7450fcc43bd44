import Dialects
import Foundation
import GatewayModel
import HTTPTypes
import Hummingbird
import Metering
import NIOCore
import Routing

/// `GET /v1/models` and `GET /v1/models/{id}`: the routes and `provider/model` names this key may
/// call — in OpenAI's shapes, or Anthropic's for Anthropic SDK callers (a request carrying
/// `anthropic-version` or `x-api-key`). An id the key may not use is a 404, as an unknown one is.
struct ModelsController: Sendable {
    let live: LiveGateway
    let authenticator: BearerAuthenticator
    /// A fixed creation time so answers are stable between calls.
    let created = Date()

    func register(on router: Router<GatewayRequestContext>) {
        router.get("/v1/models") { request, _ in
            let anthropic = request.callerDialect == .anthropic
            let models = try await visibleModels(request, anthropic: anthropic)
            return Response.json(
                anthropic
                    ? AnthropicModelList.body(models: models.map(\.id), createdAt: created)
                    : OpenAIModelList.body(models: models, created: Int(created.timeIntervalSince1970)))
        }
        // `provider/model` ids hold a slash: the id is the rest of the path.
        router.get("/v1/models/**") { request, context in
            let anthropic = request.callerDialect == .anthropic
            let id = Self.modelID(in: context.parameters)
            guard let model = try await visibleModels(request, anthropic: anthropic).first(where: { $0.id == id }) else {
                throw GatewayError.modelNotFound(id)
            }
            return Response.json(
                anthropic
                    ? AnthropicModelList.model(id: model.id, createdAt: created).utf8
                    : OpenAIModelList.model(id: model.id, ownedBy: model.ownedBy, created: Int(created.timeIntervalSince1970)).utf8)
        }
    }

    /// Every callable name, narrowed to the key's allowed routes when it has any.
    private func visibleModels(_ request: Request, anthropic: Bool) async throws -> [(id: String, ownedBy: String)] {
        let key = try await anthropic ? authenticator.authenticateAnthropic(request) : authenticator.authenticate(request)
        return live.current.planner.modelNames.filter { key.mayCall($0.id) }
    }

    /// The id in the rest of a path (`**`): `provider/model` ids keep their slash, which the
    /// openai SDK percent-encodes (`deepseek%2Fdeepseek-chat`).
    static func modelID(in parameters: Parameters) -> String {
        let path = parameters.getCatchAll().joined(separator: "/")
        return path.removingPercentEncoding ?? path
    }
}
