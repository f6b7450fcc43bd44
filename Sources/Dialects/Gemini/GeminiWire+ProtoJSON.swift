import GatewayModel
import JSONScanning

/// Google's APIs read proto3 JSON, which names a field in lowerCamelCase or by its original
/// snake_case name; google-genai sends some of each (`parameters_json_schema`). Inbound requests
/// are read both ways; the gateway itself writes lowerCamelCase.
struct ProtoJSONKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }

    /// `maxOutputTokens` → `max_output_tokens`.
    static func snakeCase(_ camel: String) -> String {
        var output = ""
        for character in camel {
            if character.isUppercase {
                output += "_" + character.lowercased()
            } else {
                output.append(character)
            }
        }
        return output
    }

    /// `max_output_tokens` → `maxOutputTokens` (names already in camelCase stay as they are).
    static func camelCase(_ name: String) -> String {
        let words = name.split(separator: "_")
        guard words.count > 1 else { return name }
        return String(words[0]) + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

extension JSONObjectIndex {
    /// The name a member goes by in this object: `camel`, or its snake_case twin when only that
    /// is present (for reading without decoding).
    func protoJSONName(_ camel: String) -> String {
        self[camel] == nil && self[ProtoJSONKey.snakeCase(camel)] != nil ? ProtoJSONKey.snakeCase(camel) : camel
    }
}

extension KeyedDecodingContainer where Key == ProtoJSONKey {
    /// A field by its lowerCamelCase name, else its snake_case one.
    func field<T: Decodable>(_ camel: String, as type: T.Type = T.self) throws -> T? {
        if let value = try decodeIfPresent(T.self, forKey: ProtoJSONKey(camel)) { return value }
        let snake = ProtoJSONKey.snakeCase(camel)
        return snake == camel ? nil : try decodeIfPresent(T.self, forKey: ProtoJSONKey(snake))
    }

    func required<T: Decodable>(_ camel: String, as type: T.Type = T.self) throws -> T {
        guard let value: T = try field(camel) else {
            throw DecodingError.keyNotFound(
                ProtoJSONKey(camel), .init(codingPath: codingPath, debugDescription: "\(camel) is required"))
        }
        return value
    }
}

extension GeminiWire.Request {
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ProtoJSONKey.self)
        contents = try container.required("contents")
        systemInstruction = try container.field("systemInstruction")
        generationConfig = try container.field("generationConfig")
        tools = try container.field("tools")
        toolConfig = try container.field("toolConfig")
    }
}

extension GeminiWire.Content {
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ProtoJSONKey.self)
        role = try container.field("role")
        parts = try container.field("parts") ?? []
    }
}

extension GeminiWire.Part {
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ProtoJSONKey.self)
        text = try container.field("text")
        inlineData = try container.field("inlineData")
        fileData = try container.field("fileData")
        functionCall = try container.field("functionCall")
        functionResponse = try container.field("functionResponse")
        thought = try container.field("thought")
    }
}

extension GeminiWire.Blob {
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ProtoJSONKey.self)
        mimeType = try container.required("mimeType")
        data = try container.required("data")
    }
}

extension GeminiWire.FileData {
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ProtoJSONKey.self)
        mimeType = try container.field("mimeType")
        fileUri = try container.required("fileUri")
    }
}

extension GeminiWire.GenerationConfig {
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ProtoJSONKey.self)
        temperature = try container.field("temperature")
        topP = try container.field("topP")
        maxOutputTokens = try container.field("maxOutputTokens")
        stopSequences = try container.field("stopSequences")
        responseMimeType = try container.field("responseMimeType")
        responseJsonSchema = try container.field("responseJsonSchema")
        responseSchema = try container.field("responseSchema")
        thinkingConfig = nil
    }
}

extension GeminiWire.Tool {
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ProtoJSONKey.self)
        functionDeclarations = try container.field("functionDeclarations")
    }
}

extension GeminiWire.Tool.Declaration {
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ProtoJSONKey.self)
        name = try container.required("name")
        description = try container.field("description")
        parametersJsonSchema = try container.field("parametersJsonSchema")
        parameters = try container.field("parameters")
    }
}

extension GeminiWire.ToolConfig {
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ProtoJSONKey.self)
        functionCallingConfig = try container.field("functionCallingConfig")
    }
}

extension GeminiWire.ToolConfig.FunctionCallingConfig {
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ProtoJSONKey.self)
        mode = try container.field("mode")
        allowedFunctionNames = try container.field("allowedFunctionNames")
    }
}
