public import GatewayModel

extension GatewayError {
    /// A body that decoded to the wrong shape: 400 naming the field at fault
    /// (`messages[1].content[0].type`) and what was expected there.
    public static func invalidValue(_ error: DecodingError) -> GatewayError {
        let (path, problem): ([any CodingKey], String) =
            switch error {
            case .typeMismatch(let type, let context): (context.codingPath, "expected \(jsonType(type))")
            case .valueNotFound(let type, let context): (context.codingPath, "expected \(jsonType(type)), got null")
            case .keyNotFound(let key, let context): (context.codingPath + [key], "missing")
            case .dataCorrupted(let context): (context.codingPath, context.debugDescription)
            @unknown default: ([], "invalid")
            }
        let field = fieldPath(path)
        return .invalidRequest("Invalid value for '\(field)': \(problem).", parameter: field, code: "invalid_value")
    }

    /// `messages[1].content[0].type` from a Codable path.
    static func fieldPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let position = key.intValue {
                text += "[\(position)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text
    }

    private static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        case is [String].Type: "an array of strings"
        default: "another shape"
        }
    }
}
