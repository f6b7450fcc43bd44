/// A secret as written in `Routes/`: a literal, or `env:NAME` to read a variable at load time.
///
/// Keeping config files free of keys is the norm; the literal form exists for local
/// providers that want a placeholder token.
public enum SecretReference: Sendable, Hashable, CustomStringConvertible {
    case literal(Secret)
    case environment(String)

    public init(parsing text: String) {
        if text.hasPrefix("env:") {
            self = .environment(String(text.dropFirst(4)))
        } else {
            self = .literal(Secret(text))
        }
    }

    /// The value, or `nil` when the variable is unset or empty.
    public func resolve(in environment: [String: String]) -> Secret? {
        switch self {
        case .literal(let secret): secret
        case .environment(let name): environment[name].flatMap { $0.isEmpty ? nil : Secret($0) }
        }
    }

    /// Safe to log: names the variable, never shows a value.
    public var description: String {
        switch self {
        case .literal: "<literal>"
        case .environment(let name): "env:\(name)"
        }
    }
}

/// A secret value that refuses to print itself, so it can't leak through logs or errors by accident.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The value; read it only where it goes on the wire.
    public let revealed: String

    public init(_ value: String) {
        self.revealed = value
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
