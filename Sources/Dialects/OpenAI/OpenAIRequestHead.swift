import GatewayModel
public import JSONScanning

/// What every OpenAI request body the gateway forwards shares (chat completions and the legacy
/// completions): `model`, the stream flags, bounded integers — checked once, here, with
/// errors that name the field — and how its bytes go upstream.
public struct OpenAIRequestHead: Sendable {
    public let index: JSONObjectIndex
    public let model: String
    public let stream: Bool
    /// The client itself asked for the final usage chunk.
    public let clientWantsStreamUsage: Bool

    /// - Parameter bounded: integer members and the ranges OpenAI documents for them.
    init(body: [UInt8], bounded: [(String, ClosedRange<Int>)]) throws(GatewayError) {
        let index = try JSONObjectIndex(requestBody: body)
        guard let modelMember = index["model"] else {
            throw .invalidRequest("Missing required parameter: 'model'.", parameter: "model", code: "missing_required_parameter")
        }
        guard modelMember.kind == .string, let model = index.string("model"), !model.isEmpty else {
            throw .invalidRequest("'model' must be a non-empty string.", parameter: "model", code: "invalid_type")
        }
        let stream: Bool
        switch index["stream"]?.kind {
        case nil, .null, .false: stream = false
        case .true: stream = true
        default: throw .invalidRequest("'stream' must be a boolean.", parameter: "stream", code: "invalid_type")
        }
        if let options = index["stream_options"], options.kind != .null {
            guard options.kind == .object else {
                throw .invalidRequest("'stream_options' must be an object.", parameter: "stream_options", code: "invalid_type")
            }
            guard stream else {
                throw .invalidRequest(
                    "'stream_options' is only allowed when 'stream' is true.", parameter: "stream_options", code: "invalid_value")
            }
        }
        for (key, range) in bounded {
            if let member = index[key], member.kind != .null {
                guard member.kind == .number, let value = index.int(key), range.contains(value) else {
                    throw .invalidRequest(
                        "'\(key)' must be an integer from \(range.lowerBound) to \(range.upperBound).", parameter: key,
                        code: "invalid_value")
                }
            }
        }
        self.index = index
        self.model = model
        self.stream = stream
        self.clientWantsStreamUsage = index.object("stream_options")?.bool("include_usage") ?? false
    }

    /// The body to send upstream: the client's bytes with `model` replaced and, for streams,
    /// usage requested so every token can be metered.
    public func upstreamBody(model upstreamModel: String, requestStreamUsage: Bool) -> [UInt8] {
        let needsUsage = stream && requestStreamUsage && !clientWantsStreamUsage
        if upstreamModel == model && !needsUsage { return index.bytes }
        var editor = JSONObjectEditor(index)
        if upstreamModel != model { editor.set("model", string: upstreamModel) }
        if needsUsage {
            // Replaces any client stream_options; the only other option (include_obfuscation)
            // pads chunks, which a gateway that meters usage has no need to keep.
            editor.set("stream_options", json: Array(#"{"include_usage":true}"#.utf8))
        }
        return editor.bytes()
    }
}
