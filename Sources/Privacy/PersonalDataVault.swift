/// The placeholders handed out for one request and what they stand for: masks text on the
/// way to a public provider, restores it in the answer.
///
/// The same value always gets the same placeholder within a request (a model can still tell
/// that two mentions are one person), and only placeholders this vault issued are restored.
/// Lives as long as its request; the originals never leave the gateway.
public struct PersonalDataVault: Sendable {
    private var originals: [String: String] = [:]
    private var placeholders: [String: String] = [:]
    private var counts: [PersonalDataKind: Int] = [:]
    /// The kinds masked so far, in the order first seen.
    public private(set) var kinds: [PersonalDataKind] = []

    public init() {}

    /// Distinct values masked.
    public var count: Int { originals.count }

    /// Distinct values masked, by kind.
    public var countsByKind: [PersonalDataKind: Int] { counts }

    /// Whether nothing was masked.
    public var isEmpty: Bool { originals.isEmpty }

    /// `text` with every finding replaced by its placeholder.
    public mutating func mask(_ text: String) -> String {
        let matches = PersonalDataDetector.matches(in: text)
        guard !matches.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var masked = ""
        masked.reserveCapacity(bytes.count)
        var copied = 0
        for match in matches {
            masked += String(decoding: bytes[copied..<match.range.lowerBound], as: UTF8.self)
            masked += placeholder(for: String(decoding: bytes[match.range], as: UTF8.self), kind: match.kind)
            copied = match.range.upperBound
        }
        masked += String(decoding: bytes[copied...], as: UTF8.self)
        return masked
    }

    private mutating func placeholder(for original: String, kind: PersonalDataKind) -> String {
        if let existing = placeholders[original] { return existing }
        let number = counts[kind, default: 0] + 1
        counts[kind] = number
        if number == 1 { kinds.append(kind) }
        let placeholder = "[\(kind.placeholderStem)_\(number)]"
        placeholders[original] = placeholder
        originals[placeholder] = original
        return placeholder
    }

    /// `text` with this vault's placeholders put back.
    public func restore(_ text: String) -> String {
        guard !originals.isEmpty, text.utf8.contains(UInt8(ascii: "[")) else { return text }
        var restored = ""
        restored.reserveCapacity(text.utf8.count)
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "[") {
            restored += rest[..<open]
            if let close = rest[open...].prefix(Self.longestPlaceholder).firstIndex(of: "]"),
                let original = originals[String(rest[open...close])]
            {
                restored += original
                rest = rest[rest.index(after: close)...]
            } else {
                restored += "["
                rest = rest[rest.index(after: open)...]
            }
        }
        restored += rest
        return restored
    }

    /// Longer than any placeholder: `[BANK_CARD_` and up to nine digits and `]`.
    static let longestPlaceholder = 24

    /// Whether `suffix` (starting with `[`) could still grow into a placeholder: upper-case
    /// letters, `_` and digits only, and not too long. A stream holds such a tail back.
    static func mayBePlaceholderStart(_ suffix: Substring) -> Bool {
        suffix.utf8.count < longestPlaceholder
            && suffix.utf8.dropFirst().allSatisfy { byte in
                (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "_")
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            }
    }
}
