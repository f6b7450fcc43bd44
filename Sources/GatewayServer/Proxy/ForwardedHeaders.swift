import Dialects
import Foundation
import GatewayModel
import HTTPTypes
import Hummingbird

/// Request headers that carry meaning to one provider dialect and travel to targets that speak
/// it: today `anthropic-beta` (1M context, interleaved thinking, the Files API, server tools…),
/// sent by Anthropic SDKs and by OpenAI callers through `extra_headers`. Towards any other
/// dialect they are dropped and named in `x-switchyard-dropped`.
struct ForwardedHeaders: Sendable {
    /// The comma-separated beta names, every `anthropic-beta` line joined; nil when none was sent.
    let anthropicBeta: String?

    init(_ request: Request) {
        let betas = request.headers[values: Self.anthropicBetaName]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        anthropicBeta = betas.isEmpty ? nil : betas.joined(separator: ",")
    }

    init() {
        anthropicBeta = nil
    }

    /// What goes to a `dialect` target: the headers to add, and the names dropped.
    func upstream(for dialect: WireFormat) -> (headers: [(name: String, value: String)], dropped: [String]) {
        guard let anthropicBeta else { return ([], []) }
        if dialect == .anthropic { return ([(Self.anthropicBetaName.canonicalName, anthropicBeta)], []) }
        return ([], [DroppedName.anthropicBeta])
    }

    static let anthropicBetaName = HTTPField.Name("anthropic-beta")!
}
