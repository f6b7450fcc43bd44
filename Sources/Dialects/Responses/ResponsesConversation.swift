import Foundation
public import GatewayModel
import JSONScanning

/// A Responses request's place in a conversation the gateway keeps: the stored items it
/// continues (`previous_response_id`), and where its finished answer goes to be kept.
public struct ResponsesConversation: Sendable {
    /// The stored response this request continues.
    public var previousResponseID: String?
    /// That response's conversation: a JSON array of Responses input items.
    public var history: [UInt8]?
    /// Where the finished answer is kept; nil when it isn't (`store: false`, `retention: none`).
    public var recorder: ResponseRecorder?

    public init(previousResponseID: String? = nil, history: [UInt8]? = nil, recorder: ResponseRecorder? = nil) {
        self.previousResponseID = previousResponseID
        self.history = history
        self.recorder = recorder
    }

    /// The history's items, as written.
    var historyItems: [ArraySlice<UInt8>] {
        guard let history else { return [] }
        return (try? JSONArrayElements.of(document: history)) ?? []
    }
}

/// Receives each finished Response to keep: its id, the Response JSON, the conversation's
/// items so far (the history, this request's input, the answer's output: a JSON array) and how
/// many of them were input.
public struct ResponseRecorder: Sendable {
    public let keep: @Sendable (_ id: String, _ response: String, _ items: [UInt8], _ inputCount: Int) -> Void

    public init(keep: @escaping @Sendable (_ id: String, _ response: String, _ items: [UInt8], _ inputCount: Int) -> Void) {
        self.keep = keep
    }
}

extension ResponsesRequest {
    /// Whether the app asked to keep the answer (`store`, true unless set false, as OpenAI has it).
    public var asksToStore: Bool { index.bool("store") ?? true }

    /// This request's input as items: a string is one user message. Message items are written
    /// whole (`type`, `id`, content as parts) so a stored conversation lists as OpenAI lists it.
    func inputItems(idPrefix: String) -> [ArraySlice<UInt8>] {
        if let text = index.string("input") {
            return [ArraySlice(Self.userMessage(text, id: "\(idPrefix)_0"))]
        }
        let elements = index.rawElements(inArray: "input") ?? []
        return elements.enumerated().map { position, element in
            ArraySlice(Self.completed(Array(element), id: "\(idPrefix)_\(position)"))
        }
    }

    static func userMessage(_ text: String, id: String) -> [UInt8] {
        Array(
            #"{"id":"\#(id)","type":"message","role":"user","content":[{"type":"input_text","text":\#(JSONEncoding.quoted(text))}]}"#
                .utf8)
    }

    /// An input item with an `id` and, for a message, `type` and content parts.
    static func completed(_ item: [UInt8], id: String) -> [UInt8] {
        guard let object = try? JSONObjectIndex(document: item) else { return item }
        var editor = JSONObjectEditor(object)
        if object["id"] == nil { editor.set("id", string: id) }
        let isMessage = object.string("type") == nil || object.string("type") == "message"
        if isMessage, object["role"] != nil {
            if object["type"] == nil { editor.set("type", string: "message") }
            if let text = object.string("content") {
                let part = object.string("role") == "assistant" ? "output_text" : "input_text"
                let extra = part == "output_text" ? #","annotations":[]"# : ""
                editor.set("content", json: Array(#"[{"type":"\#(part)","text":\#(JSONEncoding.quoted(text))\#(extra)}]"#.utf8))
            }
        }
        return editor.bytes()
    }

    /// Hands a finished answer to the recorder: the history, this input and `output` as the
    /// conversation so far.
    func record(id: String, response: String, output: [ArraySlice<UInt8>]) {
        guard let recorder = conversation.recorder else { return }
        let input = conversation.historyItems + inputItems(idPrefix: "msg_\(id.dropFirst(5))_in")
        let items = input + output
        recorder.keep(id, response, JSONArrayElements.array(items), input.count)
    }
}

extension ResponsesRequest {
    /// The request with each `item_reference` in `input` replaced by the item it names, from the
    /// conversation it continues (the items `input_items` lists): providers get the item itself,
    /// since none of them keeps it. A reference to no such item is a 404 naming it.
    public func resolvingItemReferences() throws(GatewayError) -> ResponsesRequest {
        guard RoutingFacts.contains(#""item_reference""#, in: index.bytes), let elements = index.rawElements(inArray: "input") else {
            return self
        }
        var stored: [String: ArraySlice<UInt8>] = [:]
        for item in conversation.historyItems {
            if let id = (try? JSONObjectIndex(document: Array(item)))?.string("id") { stored[id] = item }
        }
        var resolved: [ArraySlice<UInt8>] = []
        for (position, element) in elements.enumerated() {
            guard let item = try? JSONObjectIndex(document: Array(element)), item.string("type") == "item_reference" else {
                resolved.append(element)
                continue
            }
            let id = item.string("id") ?? ""
            guard let found = stored[id] else {
                throw GatewayError(
                    kind: .notFound, status: 404,
                    message:
                        "Item with id '\(id)' not found: an item_reference names an item of the conversation previous_response_id continues.",
                    parameter: "input[\(position)].id", code: "item_not_found")
            }
            resolved.append(found)
        }
        var editor = JSONObjectEditor(index)
        editor.set("input", json: JSONArrayElements.array(resolved))
        var request = try ResponsesRequest(body: editor.bytes())
        request.conversation = conversation
        return request
    }
}
