import Dialects

/// The human part of an upstream error body, shortened, for the client's error message.
enum UpstreamErrorMessage {
    static let maximumLength = 500

    static func extract(from body: [UInt8]) -> String? {
        let message =
            OpenAIErrorFormat.message(in: body)
            ?? (body.isEmpty ? nil : String(decoding: body.prefix(maximumLength), as: UTF8.self))
        return message.map { $0.count > maximumLength ? String($0.prefix(maximumLength)) + "…" : $0 }
    }
}
