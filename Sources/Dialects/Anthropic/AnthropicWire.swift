import GatewayModel
import JSONScanning

/// Anthropic Messages API shapes (`POST /v1/messages`) that the gateway decodes with Codable:
/// inbound requests and stream events. (Outbound requests are written and whole answers read
/// directly, off Foundation's coders.) Property names follow the wire.
enum AnthropicWire {
    struct ImageSourceWire: Codable {
        var type: String
        var media_type: String?
        var data: String?
        var url: String?
    }

    struct ToolChoiceWire: Codable {
        var type: String
        var name: String?
        var disable_parallel_tool_use: Bool?
    }

    /// `output_config`: `format` (structured output) and `effort`.
    struct OutputConfig: Decodable {
        struct Format: Decodable {
            var type: String
            var schema: JSONValue?
        }

        var format: Format?
        var effort: String?
    }

    struct ResponseBlock: Decodable {
        var type: String
        var text: String?
        var id: String?
        var name: String?
        var input: JSONValue?
    }

    struct Usage: Decodable {
        /// Cache writes by lifetime (`cache_control.ttl`).
        struct CacheCreation: Decodable {
            var ephemeral_5m_input_tokens: Int?
            var ephemeral_1h_input_tokens: Int?
        }
        var input_tokens: Int?
        var output_tokens: Int?
        var cache_creation_input_tokens: Int?
        var cache_read_input_tokens: Int?
        var cache_creation: CacheCreation?
    }

    /// Any stream event's data; fields by event type.
    struct StreamEvent: Decodable {
        struct Message: Decodable {
            var id: String
            var model: String
            var usage: Usage?
        }

        struct Delta: Decodable {
            var type: String?
            var text: String?
            var partial_json: String?
            var stop_reason: String?
        }

        struct ErrorBody: Decodable {
            var type: String
            var message: String
        }

        var type: String
        var message: Message?
        var index: Int?
        var content_block: ResponseBlock?
        var delta: Delta?
        var usage: Usage?
        var error: ErrorBody?
    }

    // MARK: Inbound (Anthropic callers)

    /// A string or an array of content blocks, as Anthropic accepts for `system`,
    /// `content` and a tool result's `content`.
    enum TextOrBlocks: Decodable {
        case text(String)
        case blocks([InboundBlock])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else if let blocks = try? container.decode([InboundBlock].self) {
                self = .blocks(blocks)
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a string or an array of content blocks")
            }
        }

        var blocks: [InboundBlock] {
            switch self {
            case .text(let text): [InboundBlock(type: "text", text: text)]
            case .blocks(let blocks): blocks
            }
        }
    }

    struct InboundBlock: Decodable {
        var type: String
        var text: String?
        var source: ImageSourceWire?
        var id: String?
        var name: String?
        var input: JSONValue?
        var tool_use_id: String?
        var content: TextOrBlocks?
        var is_error: Bool?

        init(type: String, text: String? = nil) {
            self.type = type
            self.text = text
        }
    }

    struct InboundMessage: Decodable {
        var role: String
        var content: TextOrBlocks
    }

    struct InboundTool: Decodable {
        var name: String
        var description: String?
        var input_schema: JSONValue?
    }

    struct InboundRequest: Decodable {
        var system: TextOrBlocks?
        var messages: [InboundMessage]
        var temperature: Double?
        var top_p: Double?
        var stop_sequences: [String]?
        var tools: [InboundTool]?
        var tool_choice: ToolChoiceWire?
        var output_config: OutputConfig?
    }

    static func finishReason(_ stopReason: String?) -> FinishReason {
        switch stopReason {
        case "max_tokens", "model_context_window_exceeded": .length
        case "tool_use": .toolCalls
        case "refusal": .contentFilter
        default: .stop
        }
    }
}

extension TokenUsage {
    /// The same reading from a scanned `usage` object.
    init(anthropicUsageIn usage: JSONObjectIndex) {
        let creation = usage.object("cache_creation")
        self.init(
            anthropic: AnthropicWire.Usage(
                input_tokens: usage.int("input_tokens"), output_tokens: usage.int("output_tokens"),
                cache_creation_input_tokens: usage.int("cache_creation_input_tokens"),
                cache_read_input_tokens: usage.int("cache_read_input_tokens"),
                cache_creation: creation.map {
                    .init(
                        ephemeral_5m_input_tokens: $0.int("ephemeral_5m_input_tokens"),
                        ephemeral_1h_input_tokens: $0.int("ephemeral_1h_input_tokens"))
                }))
    }

    /// Anthropic counts cache reads and writes apart from `input_tokens`; the gateway's `input`
    /// includes them (as OpenAI's `prompt_tokens` does). A stream reports usage twice
    /// (`message_start`, then `message_delta`): what the later leaves out keeps the earlier's
    /// value (`base`). Writes the split by lifetime doesn't name are five-minute ones.
    init(anthropic usage: AnthropicWire.Usage, base: TokenUsage = TokenUsage()) {
        let read = TokenUsage.clamped(usage.cache_read_input_tokens ?? base.cachedInput)
        let creation = usage.cache_creation
        let split = TokenUsage.clamped(creation?.ephemeral_5m_input_tokens ?? 0)
            .saturatingAdding(TokenUsage.clamped(creation?.ephemeral_1h_input_tokens ?? 0))
        let written = max(
            TokenUsage.clamped(usage.cache_creation_input_tokens ?? base.cacheWrite5m.saturatingAdding(base.cacheWrite1h)), split)
        let hour = min(written, TokenUsage.clamped(creation?.ephemeral_1h_input_tokens ?? base.cacheWrite1h))
        let input = usage.input_tokens.map { TokenUsage.clamped($0).saturatingAdding(read).saturatingAdding(written) }
        self.init(
            input: input ?? base.input, cachedInput: read, cacheWrite5m: written - hour, cacheWrite1h: hour,
            output: usage.output_tokens ?? base.output)
    }
}
