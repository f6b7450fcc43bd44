/// How much a reasoning model should think before it answers: OpenAI's `reasoning_effort` and
/// the Responses API's `reasoning.effort`. Each dialect carries it its own way — OpenAI-style
/// targets as the level, Anthropic and Gemini as a thinking budget — and only to a model that
/// reasons (`reasoning` among its capabilities); any other target names it in
/// `x-switchyard-dropped`.
public struct ReasoningEffort: Sendable, Hashable {
    public enum Level: String, Sendable, Hashable, CaseIterable {
        case none, minimal, low, medium, high, xhigh
    }

    public var level: Level
    /// Where the app asked for it (`reasoning_effort`, `reasoning`): the name a target that
    /// can't carry it reports as dropped.
    public var parameter: String

    public init(level: Level, parameter: String) {
        self.level = level
        self.parameter = parameter
    }

    /// Reads `text` as a level; a 400 naming `field` (the wire path) lists the levels.
    public init(_ text: String, parameter: String, field: String) throws(GatewayError) {
        guard let level = Level(rawValue: text) else {
            throw .invalidRequest(
                "'\(field)' must be one of \(Level.allCases.map(\.rawValue).joined(separator: ", ")); got '\(text)'.",
                parameter: field, code: "invalid_value")
        }
        self.init(level: level, parameter: parameter)
    }
}
