import Dialects
import GatewayModel
import Foundation
import Hummingbird
import NIOCore

/// `POST /v1/chat/completions`: authenticates, reads and checks the body, hands it to the proxy.
struct ChatCompletionsController: Sendable {
    let proxy: ChatCompletionProxy
    let authenticator: BearerAuthenticator

    func register(on router: Router<GatewayRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            let key = try authenticator.authenticate(request)
            try Self.requireJSON(request)
            let body = try await Self.collectBody(of: request, limit: proxy.maxBodyBytes)
            let chat = try OpenAIChatRequest(body: Array(body.readableBytesView))
            return try await proxy.forward(chat, for: key, context: context)
        }
    }

    /// The whole body, refusing early (by Content-Length) or while reading when it exceeds `limit`.
    static func collectBody(of request: Request, limit: Int) async throws -> ByteBuffer {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw GatewayError.payloadTooLarge(limit: limit)
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw GatewayError.payloadTooLarge(limit: limit)
        }
    }

    static func requireJSON(_ request: Request) throws(GatewayError) {
        let contentType = request.headers[.contentType]
        let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else { throw .unsupportedMediaType(contentType) }
    }
}
