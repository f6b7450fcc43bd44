/// Splices members of a scanned object without re-encoding the rest.
///
/// Why: the fast path rewrites `model` and `stream_options` in a request it otherwise
/// forwards byte for byte. Values are given as already-encoded JSON text.
public struct JSONObjectEditor: Sendable {
    private let index: JSONObjectIndex
    private var replacements: [(range: Range<Int>, bytes: [UInt8])] = []
    /// New members, `"key":value` each, appended at the closing brace.
    private var insertions: [[UInt8]] = []
    private var removedKeys: Set<String> = []

    public init(_ index: JSONObjectIndex) {
        self.index = index
    }

    /// Replaces the value of `key` (every occurrence), or appends the member when absent.
    public mutating func set(_ key: String, json: [UInt8]) {
        let existing = index.members.filter { $0.key == key }
        if existing.isEmpty {
            insertions.append(JSONEncoding.string(key) + [UInt8(ascii: ":")] + json)
        } else {
            for member in existing {
                replacements.append((member.valueRange, json))
            }
        }
    }

    public mutating func set(_ key: String, string: String) {
        set(key, json: JSONEncoding.string(string))
    }

    /// Removes every `key` member with the comma that joined it to its neighbour.
    public mutating func remove(_ key: String) {
        removedKeys.insert(key)
    }

    /// The byte ranges the removed members take: each with the comma after it, or the last with
    /// the comma after the last member kept.
    private var removals: [Range<Int>] {
        let members = index.members
        return members.indices.compactMap { position in
            let member = members[position]
            guard removedKeys.contains(member.key) else { return nil }
            if position + 1 < members.count { return member.keyRange.lowerBound..<members[position + 1].keyRange.lowerBound }
            let kept = members[..<position].last { !removedKeys.contains($0.key) }
            return (kept?.valueRange.upperBound ?? member.keyRange.lowerBound)..<member.valueRange.upperBound
        }
    }

    /// The edited document.
    public func bytes() -> [UInt8] {
        var edits = replacements + removals.map { ($0, [UInt8]()) }
        if !insertions.isEmpty {
            let kept = index.members.contains { !removedKeys.contains($0.key) }
            let added = Array(insertions.joined(separator: [UInt8(ascii: ",")]))
            edits.append((index.closingBrace..<index.closingBrace, (kept ? [UInt8(ascii: ",")] : []) + added))
        }
        edits.sort { $0.range.lowerBound < $1.range.lowerBound }
        var output: [UInt8] = []
        output.reserveCapacity(index.bytes.count + 64)
        var cursor = 0
        for edit in edits {
            // Removals of neighbouring members may overlap: each byte goes at most once.
            output.append(contentsOf: index.bytes[cursor..<max(cursor, edit.range.lowerBound)])
            output.append(contentsOf: edit.bytes)
            cursor = max(cursor, edit.range.upperBound)
        }
        output.append(contentsOf: index.bytes[cursor...])
        return output
    }
}

/// Minimal JSON text encoding for the values the gateway splices or writes itself.
public enum JSONEncoding {
    /// `text` as a JSON string literal, quotes included.
    public static func string(_ text: String) -> [UInt8] {
        var output: [UInt8] = [UInt8(ascii: "\"")]
        output.reserveCapacity(text.utf8.count + 2)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
        return output
    }

    /// `text` as a JSON string literal, for JSON written as text.
    public static func quoted(_ text: String) -> String {
        String(decoding: string(text), as: UTF8.self)
    }
}
