import GatewayModel
import JSONScanning
import NIOCore
import ServerSentEvents

/// A provider's own Responses API answered a request the gateway sent with `store: false` and
/// its stored conversation as items. What the app gets says what the app asked for — `store`
/// true when the gateway keeps the answer, the `previous_response_id` it sent — and a finished
/// answer is kept, as a translated one is.
extension ResponsesRequest {
    /// Whether a native answer needs anything said differently (or kept).
    var restoresNativeAnswers: Bool { conversation.recorder != nil || conversation.previousResponseID != nil }

    /// The Response object as the app gets it; kept when finished (`completed`, `incomplete`).
    func restored(_ response: JSONObjectIndex) -> [UInt8] {
        var editor = JSONObjectEditor(response)
        editor.set("store", json: Array((conversation.recorder != nil ? "true" : "false").utf8))
        editor.set("previous_response_id", json: conversation.previousResponseID.map { JSONEncoding.string($0) } ?? Array("null".utf8))
        let bytes = editor.bytes()
        // The output items are as the provider wrote them: the edit touched only the two members above.
        if let id = response.string("id"), let status = response.string("status"), status == "completed" || status == "incomplete",
            let output = response.rawElements(inArray: "output")
        {
            record(id: id, response: String(decoding: bytes, as: UTF8.self), output: output)
        }
        return bytes
    }

    /// The stored conversation as a provider's own Responses API takes it with `store: false`.
    /// Reasoning items without their `encrypted_content` only point at state the provider didn't
    /// keep (it would answer 404 for them), so they are left out; the ids the gateway gave the
    /// app's own messages (for `input_items`) are the gateway's, and an input message has none.
    var nativeHistoryItems: [ArraySlice<UInt8>] {
        conversation.historyItems.compactMap { item in
            guard let object = try? JSONObjectIndex(document: Array(item)) else { return item }
            switch (object.string("type"), object.string("role")) {
            case ("reasoning", _):
                return object.string("encrypted_content") == nil ? nil : item
            case ("message", "user"?), ("message", "system"?), ("message", "developer"?):
                var editor = JSONObjectEditor(object)
                editor.remove("id")
                return ArraySlice(editor.bytes())
            default:
                return item
            }
        }
    }
}

/// A native Responses stream relayed to the app: every event as it came, except the ones that
/// carry the whole Response (`response.created` … `response.completed`), which say what the app
/// asked for (see ``ResponsesRequest/restored(_:)``); the finished one is kept. A decoder
/// alongside notes usage and the clean end, as for every relayed stream.
struct ResponsesNativeRelay: StreamTransform {
    private let request: ResponsesRequest
    private var relay = DecodingRelay(decoder: ResponsesEventDecoder())
    private var events = ServerSentEventDecoder()

    init(request: ResponsesRequest) {
        self.request = request
    }

    var usage: TokenUsage? { relay.usage }
    var isComplete: Bool { relay.isComplete }
    var contentPieces: Int { relay.contentPieces }
    var finishReasonName: String? { relay.finishReasonName }

    mutating func transform(_ chunk: ByteBuffer) throws(DialectDecodingError) -> ByteBuffer {
        _ = try relay.transform(chunk)
        let completed = try events.events(in: chunk)
        var output = ByteBuffer()
        for event in completed { output.writeImmutableBuffer(restored(event)) }
        return output
    }

    /// An event left without its closing blank line goes as it came.
    mutating func finish() -> ByteBuffer { events.finish()?.raw ?? ByteBuffer() }

    private static let responseKey = Array(#""response":"#.utf8)

    private func restored(_ event: ServerSentEvent) -> ByteBuffer {
        let data = Array(event.data.readableBytesView)
        guard ByteSearch.firstIndex(of: Self.responseKey, in: data) != nil,
            let payload = try? JSONObjectIndex(document: data), let member = payload["response"], member.kind == .object,
            let response = try? JSONObjectIndex(document: Array(data[member.valueRange]))
        else { return event.raw }
        var editor = JSONObjectEditor(payload)
        editor.set("response", json: request.restored(response))
        return ServerSentEventEncoder.encode(data: editor.bytes(), event: event.event)
    }
}
