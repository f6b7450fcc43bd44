/// The names `x-switchyard-dropped` gives to what a provider's dialect can't carry, beyond the
/// caller's own parameter names: one spelling whichever dialect the caller speaks (docs/clients.md).
public enum DroppedName {
    /// An image inside a tool result, towards a dialect whose tool results hold only text.
    public static let toolResultImage = "tool_result.image"
    /// At most one tool call per turn, towards a dialect with no such switch.
    public static let parallelToolCalls = "parallel_tool_calls"
    /// A JSON output format the target can't hold its answer to.
    public static let responseFormat = "response_format"
    /// Anthropic beta features, towards a provider that isn't Anthropic's dialect.
    public static let anthropicBeta = "anthropic-beta"
}

extension Array where Element == String {
    /// Adds `name` unless it is already listed.
    mutating func appendOnce(_ name: String) {
        if !contains(name) { append(name) }
    }
}
