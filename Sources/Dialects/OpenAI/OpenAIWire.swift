import Foundation
import GatewayModel

/// OpenAI chat completion shapes as Codable types, for translated traffic only (the fast
/// path never decodes). Property names follow the wire.
enum OpenAIWire {
    struct Request: Decodable {
        var messages: [Message]
        var max_tokens: Int?
        var max_completion_tokens: Int?
        var temperature: Double?
        var top_p: Double?
        var stop: Stop?
        var tools: [Tool]?
        var tool_choice: ToolChoiceWire?
        var response_format: ResponseFormatWire?
        var parallel_tool_calls: Bool?
    }

    struct Message: Decodable {
        var role: String
        var content: Content?
        var tool_calls: [ToolCallWire]?
        var tool_call_id: String?
    }

    enum Content: Decodable {
        case text(String)
        case parts([Part])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else if let parts = try? container.decode([Part].self) {
                self = .parts(parts)
            } else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected a string or an array of content parts")
            }
        }

        func parts(field: String) throws(GatewayError) -> [ContentPart] {
            switch self {
            case .text(let text): return [.text(text)]
            case .parts(let parts):
                return try parts.enumerated().map { position, part throws(GatewayError) in
                    switch part.type {
                    case "text": return .text(part.text ?? "")
                    case "image_url":
                        guard let url = part.image_url?.url else {
                            throw .invalidRequest(
                                "Missing required parameter: '\(field).content[\(position)].image_url.url'.",
                                parameter: "\(field).content[\(position)].image_url", code: "missing_required_parameter")
                        }
                        return .image(ImageSource(url: url))
                    default:
                        throw .invalidRequest(
                            "'\(field).content[\(position)].type' '\(part.type)' is not supported here (text, image_url).",
                            parameter: "\(field).content[\(position)].type", code: "invalid_value")
                    }
                }
            }
        }

        /// Text only (system and tool messages).
        func text(field: String) throws(GatewayError) -> String {
            try parts(field: field).map { part throws(GatewayError) in
                guard case .text(let text) = part else {
                    throw .invalidRequest("'\(field).content' may only hold text.", parameter: "\(field).content", code: "invalid_value")
                }
                return text
            }.joined()
        }
    }

    struct Part: Decodable {
        var type: String
        var text: String?
        var image_url: ImageURL?
    }

    struct ImageURL: Decodable {
        var url: String
    }

    struct ToolCallWire: Decodable {
        var id: String
        var function: FunctionCall
    }

    struct FunctionCall: Decodable {
        var name: String
        var arguments: String
    }

    enum Stop: Decodable {
        case one(String)
        case many([String])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let one = try? container.decode(String.self) { self = .one(one) } else { self = .many(try container.decode([String].self)) }
        }

        var values: [String] {
            switch self {
            case .one(let value): [value]
            case .many(let values): values
            }
        }
    }

    struct Tool: Decodable {
        var type: String
        var function: Function?
    }

    struct Function: Decodable {
        var name: String
        var description: String?
        var parameters: JSONValue?
    }

    enum ToolChoiceWire: Decodable {
        case mode(String)
        case function(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let mode = try? container.decode(String.self) {
                self = .mode(mode)
            } else {
                struct Named: Decodable {
                    struct Function: Decodable { var name: String }
                    var function: Function
                }
                self = .function(try container.decode(Named.self).function.name)
            }
        }

        func canonical() throws(GatewayError) -> ToolChoice {
            switch self {
            case .mode("auto"): return .auto
            case .mode("none"): return .none
            case .mode("required"): return .required
            case .mode(let other):
                throw .invalidRequest(
                    "'tool_choice' must be auto, none, required or a function; got '\(other)'.", parameter: "tool_choice",
                    code: "invalid_value")
            case .function(let name): return .tool(name)
            }
        }
    }

    struct ResponseFormatWire: Decodable {
        struct Schema: Decodable {
            var name: String
            var schema: JSONValue?
            var strict: Bool?
        }

        var type: String
        var json_schema: Schema?

        func canonical() throws(GatewayError) -> ResponseFormat {
            switch type {
            case "text": return .text
            case "json_object": return .jsonObject
            case "json_schema":
                guard let schema = json_schema else {
                    throw .invalidRequest(
                        "Missing required parameter: 'response_format.json_schema'.", parameter: "response_format.json_schema",
                        code: "missing_required_parameter")
                }
                return .jsonSchema(name: schema.name, schema: schema.schema ?? .object([:]), strict: schema.strict ?? false)
            default:
                throw .invalidRequest(
                    "'response_format.type' must be text, json_object or json_schema.", parameter: "response_format.type",
                    code: "invalid_value")
            }
        }
    }

    // MARK: Answers (for callers of other dialects)

    struct Completion: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable {
                var content: String?
                var tool_calls: [ToolCallWire]?
            }

            var message: Message
            var finish_reason: String?
        }

        var id: String
        var model: String
        var choices: [Choice]
        var usage: Usage?
    }

    struct Usage: Decodable {
        struct PromptDetails: Decodable {
            struct CacheCreation: Decodable {
                var ephemeral_5m_input_tokens: Int?
                var ephemeral_1h_input_tokens: Int?
            }
            var cached_tokens: Int?
            /// Qwen's explicit cache writes (with Anthropic's split by lifetime).
            var cache_creation_input_tokens: Int?
            var cache_creation: CacheCreation?
            /// Other OpenAI-compatible providers' name for cache writes.
            var cache_write_tokens: Int?
        }
        struct CompletionDetails: Decodable { var reasoning_tokens: Int? }
        var prompt_tokens: Int?
        var completion_tokens: Int?
        var prompt_tokens_details: PromptDetails?
        var completion_tokens_details: CompletionDetails?
        /// DeepSeek's name for cache hits.
        var prompt_cache_hit_tokens: Int?
    }

    struct Chunk: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable {
                struct Call: Decodable {
                    struct Function: Decodable {
                        var name: String?
                        var arguments: String?
                    }

                    var index: Int?
                    var id: String?
                    var function: Function?
                }

                var content: String?
                var tool_calls: [Call]?
            }

            var index: Int?
            var delta: Delta?
            var finish_reason: String?
        }

        struct ErrorBody: Decodable {
            var message: String?
            var type: String?
        }

        var id: String?
        var model: String?
        var choices: [Choice]?
        var usage: Usage?
        var error: ErrorBody?
    }

    static func finishReason(_ reason: String?) -> FinishReason {
        switch reason {
        case "length": .length
        case "tool_calls", "function_call": .toolCalls
        case "content_filter": .contentFilter
        default: .stop
        }
    }
}
