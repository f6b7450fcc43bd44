import Dialects
import Foundation
import Hummingbird
import NIOCore
import Routing

/// `GET /v1/models`: the routes and `provider/model` names this key may call, in OpenAI's list format.
struct ModelsController: Sendable {
    let live: LiveGateway
    let authenticator: BearerAuthenticator
    /// A fixed `created` so the list is stable between calls.
    let created = Int(Date().timeIntervalSince1970)

    func register(on router: Router<GatewayRequestContext>) {
        router.get("/v1/models") { request, _ in
            _ = try await authenticator.authenticate(request)
            return Response.json(OpenAIModelList.body(models: live.current.planner.modelNames, created: created))
        }
    }
}
