public import GatewayModel
import JSONScanning
public import NIOCore
import ServerSentEvents

/// Google's error envelope, `{"error":{"code","message","status"}}`, with the canonical status
/// name for the HTTP status (as google-genai and Google's REST APIs expect it).
public enum GeminiErrorFormat {
    public static func body(for error: GatewayError) -> [UInt8] {
        let json =
            #"{"error":{"code":\#(error.status),"message":\#(JSONEncoding.quoted(error.message)),"status":"\#(status(for: error.status))"}}"#
        return Array(json.utf8)
    }

    /// The same error inside a stream whose head is already sent.
    public static func event(for error: GatewayError) -> ByteBuffer {
        ServerSentEventEncoder.encode(data: body(for: error))
    }

    static func status(for code: Int) -> String {
        switch code {
        case 400, 413, 415, 422: "INVALID_ARGUMENT"
        case 401: "UNAUTHENTICATED"
        case 403: "PERMISSION_DENIED"
        case 404: "NOT_FOUND"
        case 405, 501: "UNIMPLEMENTED"
        case 408, 504: "DEADLINE_EXCEEDED"
        case 409: "ABORTED"
        case 429: "RESOURCE_EXHAUSTED"
        case 499: "CANCELLED"
        case 502, 503: "UNAVAILABLE"
        default: code >= 500 ? "INTERNAL" : "FAILED_PRECONDITION"
        }
    }
}
