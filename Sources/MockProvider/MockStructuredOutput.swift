import Foundation

/// Structured output as the mock gives it: asked for JSON (a schema, or any object), it answers
/// a JSON document built from the schema — every property, strings "mock", integers 1, numbers
/// 1.5, booleans true, the first of an enum, one item per array — so an SDK's `parse` gets a
/// value it can check, end to end.
enum MockStructuredOutput {
    /// The JSON text for `schema`; a bare "any JSON object" request (no schema) gets `{"answer":"mock"}`.
    static func document(for schema: [String: Any]?) -> String {
        let value = schema.map(example) ?? ["answer": "mock"]
        guard JSONSerialization.isValidJSONObject(value),
            let data = try? JSONSerialization.data(withJSONObject: value, options: .sortedKeys)
        else { return #"{"answer":"mock"}"# }
        return String(decoding: data, as: UTF8.self)
    }

    private static func example(_ schema: [String: Any]) -> Any {
        if let values = schema["enum"] as? [Any], let first = values.first { return first }
        if let constant = schema["const"] { return constant }
        if let options = (schema["anyOf"] ?? schema["oneOf"]) as? [[String: Any]], let first = options.first { return example(first) }
        let type = (schema["type"] as? String) ?? (schema["type"] as? [String])?.first { $0 != "null" }
        switch type {
        case "string": return "mock"
        case "integer": return 1
        case "number": return 1.5
        case "boolean": return true
        case "array": return [example(schema["items"] as? [String: Any] ?? ["type": "string"])]
        case "null": return NSNull()
        default:
            let properties = schema["properties"] as? [String: Any] ?? [:]
            var object: [String: Any] = [:]
            for (key, property) in properties { object[key] = example(property as? [String: Any] ?? [:]) }
            return object
        }
    }
}

extension MockAnswer {
    /// This answer's usage with `document` as its text, in pieces of about five characters.
    func structured(_ document: String) -> MockAnswer {
        MockAnswer(words: Self.pieces(of: document), promptTokens: promptTokens, finishReason: "stop")
    }
}
