import Hummingbird
import NIOCore

extension Response {
    /// A body the gateway wrote itself, with its content type (JSON unless said otherwise).
    static func json(
        _ bytes: some Sequence<UInt8>, status: HTTPResponse.Status = .ok, contentType: String = "application/json"
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
