/// Restores placeholders in text that arrives in pieces: a placeholder split across two
/// stream deltas (`"[EMA"`, `"IL_1] wrote"`) is held back until it is whole.
struct PlaceholderRestoringBuffer: Sendable {
    private var pending = ""

    /// The text that can be released now, restored; a possible placeholder start stays.
    mutating func push(_ delta: String, vault: PersonalDataVault) -> String {
        pending += delta
        var release = Substring(pending)
        var held = Substring()
        if let open = pending.lastIndex(of: "["), PersonalDataVault.mayBePlaceholderStart(pending[open...]) {
            release = pending[..<open]
            held = pending[open...]
        }
        let output = vault.restore(String(release))
        pending = String(held)
        return output
    }

    /// Whatever is still held, at the end of the text.
    mutating func flush(vault: PersonalDataVault) -> String {
        defer { pending = "" }
        return vault.restore(pending)
    }

    var isEmpty: Bool { pending.isEmpty }
}
