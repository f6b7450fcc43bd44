/// The API dialect a provider speaks on the wire (`dialect:` in `Routes/`).
///
/// The gateway translates between these; a request whose inbound and outbound
/// formats match takes the byte-level fast path.
public enum WireFormat: String, Sendable, CaseIterable, Codable {
    case openAI = "openai"
    case anthropic
    case gemini
}

/// Where a provider runs — the residency fact industry policies filter on.
public enum Deployment: String, Sendable, CaseIterable, Codable {
    case `public`
    case `private`
    case onPrem = "on-prem"
}

/// What a model can do beyond plain chat; routing skips a target that lacks what a request needs.
public enum ModelCapability: String, Sendable, CaseIterable, Codable, Comparable {
    case tools
    case json
    case vision
    case reasoning
    case streaming

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
