public import GatewayModel
import JSONScanning

/// Cohere's error body, `{"message": …}`, which its SDKs raise from (the gateway adds OpenAI's
/// `type`, `param` and `code` beside it for the frameworks that read those).
public enum CohereErrorFormat {
    public static func body(for error: GatewayError) -> [UInt8] {
        var json = #"{"message":\#(JSONEncoding.quoted(error.message)),"type":\#(JSONEncoding.quoted(error.kind.rawValue))"#
        if let parameter = error.parameter { json += #","param":\#(JSONEncoding.quoted(parameter))"# }
        if let code = error.code { json += #","code":\#(JSONEncoding.quoted(code))"# }
        return Array((json + "}").utf8)
    }
}
