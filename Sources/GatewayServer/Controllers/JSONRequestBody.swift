import GatewayModel
import Hummingbird
import NIOCore

/// Reading a JSON request body the way every API endpoint needs it: content type checked
/// (415), size bounded (413), the rest of an oversized body drained so the client hears the answer.
enum JSONRequestBody {
    /// The body's bytes, once its content type is JSON and it fits in `limit`.
    static func read(_ request: Request, limit: Int) async throws -> [UInt8] {
        try requireJSON(request)
        return Array(try await collectBody(of: request, limit: limit).readableBytesView)
    }

    /// The whole body, refusing with 413 when it exceeds `limit`.
    ///
    /// Before answering 413 the rest of the body is read and dropped (up to a bound): a client
    /// that sends its whole body before reading — Python's http.client does — would otherwise
    /// block forever on a full socket while the server waits for it to close.
    static func collectBody(of request: Request, limit: Int) async throws -> ByteBuffer {
        let drainLimit = max(limit * 4, 64 << 20)
        if let declared = request.headers.value(of: .contentLength).flatMap(Int.init), declared > limit {
            if declared <= drainLimit { await discard(request.body, upTo: drainLimit) }
            throw GatewayError.payloadTooLarge(limit: limit)
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            await discard(request.body, upTo: drainLimit)
            throw GatewayError.payloadTooLarge(limit: limit)
        }
    }

    private static func discard(_ body: RequestBody, upTo limit: Int) async {
        var seen = 0
        do {
            for try await chunk in body {
                seen += chunk.readableBytes
                if seen > limit { return }
            }
        } catch {}
    }

    /// `application/json`, with or without parameters (`; charset=utf-8`), case-insensitively.
    static func requireJSON(_ request: Request) throws(GatewayError) {
        let contentType = request.headers.value(of: .contentType)
        guard let contentType, Self.isJSON(contentType) else { throw .unsupportedMediaType(contentType) }
    }

    static func isJSON(_ contentType: String) -> Bool {
        let bytes = contentType.utf8
        var start = bytes.startIndex
        var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        while start < end, isSpace(bytes[start]) { bytes.formIndex(after: &start) }
        while end > start, isSpace(bytes[bytes.index(before: end)]) { bytes.formIndex(before: &end) }
        return ASCIICaseless.equal(bytes[start..<end], "application/json")
    }
}
