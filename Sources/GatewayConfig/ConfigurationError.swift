/// A configuration mistake, located precisely enough to fix without guessing:
/// `Routes/gateway.yaml:12:7: providers[0].dialect: 'foo' is not one of openai, anthropic, gemini`.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let column: Int?
    /// Dotted path of the offending key, e.g. `providers[0].models[1].input_per_mtok`.
    public let keyPath: String
    public let message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return keyPath.isEmpty ? "\(location): \(message)" : "\(location): \(keyPath): \(message)"
    }
}

/// Several configuration mistakes at once, so one edit-reload cycle fixes them all.
public struct ConfigurationErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [ConfigurationError]

    public init(_ errors: [ConfigurationError]) {
        self.errors = errors
    }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
