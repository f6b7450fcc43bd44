import GatewayModel

/// The Responses API's request shapes as Codable types, for the translation into the canonical
/// model. Property names follow the wire.
enum ResponsesWire {
    struct Request: Decodable {
        var input: Input
        var instructions: String?
        var max_output_tokens: Int?
        var temperature: Double?
        var top_p: Double?
        var tools: [Tool]?
        var tool_choice: ToolChoiceWire?
        var parallel_tool_calls: Bool?
        var text: Text?
    }

    /// `input`: a string (one user message) or a list of items.
    enum Input: Decodable {
        case text(String)
        case items([Item])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                self = .items(try container.decode([Item].self))
            }
        }
    }

    /// One input item. `type` may be left out of a message (`{"role": "user", "content": "hi"}`).
    struct Item: Decodable {
        var type: String?
        var role: String?
        var content: Content?
        var id: String?
        var call_id: String?
        var name: String?
        var arguments: String?
        var output: Content?
    }

    /// Message content, or a function call's output: a string or a list of parts.
    enum Content: Decodable {
        case text(String)
        case parts([Part])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                self = .parts(try container.decode([Part].self))
            }
        }
    }

    struct Part: Decodable {
        var type: String
        var text: String?
        var image_url: String?
        var file_id: String?
        var refusal: String?
    }

    struct Tool: Decodable {
        var type: String
        var name: String?
        var description: String?
        var parameters: JSONValue?
    }

    /// `"auto"`, `"none"`, `"required"`, or `{"type": "function", "name": …}` (or a hosted tool's type).
    enum ToolChoiceWire: Decodable {
        case mode(String)
        case typed(type: String, name: String?)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let mode = try? container.decode(String.self) {
                self = .mode(mode)
            } else {
                struct Typed: Decodable {
                    var type: String
                    var name: String?
                }
                let typed = try container.decode(Typed.self)
                self = .typed(type: typed.type, name: typed.name)
            }
        }
    }

    struct Text: Decodable {
        struct Format: Decodable {
            var type: String
            var name: String?
            var schema: JSONValue?
            var strict: Bool?
        }
        var format: Format?
    }
}
