public import GatewayModel
import JSONScanning

/// OpenAI's error envelope: `{"error":{"message","type","param","code"}}`, as the
/// `ErrorResponse` schema of OpenAI's OpenAPI description requires.
public enum OpenAIErrorFormat {
    public static func body(for error: GatewayError) -> [UInt8] {
        var json = #"{"error":{"message":"#
        json += JSONEncoding.quoted(error.message)
        json += #","type":"#
        json += JSONEncoding.quoted(error.kind.rawValue)
        json += #","param":"#
        json += error.parameter.map { JSONEncoding.quoted($0) } ?? "null"
        json += #","code":"#
        json += error.code.map { JSONEncoding.quoted($0) } ?? "null"
        json += "}}"
        return Array(json.utf8)
    }

    /// The `error.message` of an upstream OpenAI-style error body, if it has one.
    public static func message(in body: [UInt8]) -> String? {
        guard let index = try? JSONObjectIndex(document: body) else { return nil }
        if let error = index.object("error") { return error.string("message") }
        return index.string("message") ?? index.string("error")
    }
}
