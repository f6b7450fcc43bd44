import Foundation
import PropertyBased

/// Mutations of valid JSON request bodies that reach the corners decoders get wrong: numbers at
/// and past Int's bounds, negatives, NaN and exponents, wrong types, deep nesting, huge arrays,
/// invalid UTF-8, duplicate keys, truncation and single flipped bytes.
enum JSONMutation {
    /// Values a field may be given in place of its own.
    static let extremes: [String] = [
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-1", "0", "1e308", "-1e308", "1e999",
        "NaN", "Infinity", "1.5", "0.0000001", "2147483648", "18446744073709551616", "\"\"", "\"9223372036854775807\"",
        "null", "true", "[]", "{}", "[[[[[[[[[[]]]]]]]]]]", "\"\\u0000\"", "\"\\ud800\"", "\"\\uDFFF\\uD800\"",
        String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000),
        // Ends where its 513th level opens: Foundation's `JSONDecoder` traps on it (JSONDecoder+Bytes).
        String(repeating: "[", count: 513),
        "[" + Array(repeating: "1", count: 20_000).joined(separator: ",") + "]",
        "\"" + String(repeating: "x", count: 100_000) + "\"",
        "{\"a\":" + String(repeating: "{\"a\":", count: 5_000) + "1" + String(repeating: "}", count: 5_001),
    ]

    /// One mutation of `document` (a JSON object's text), chosen by `choice` and `position`.
    static func mutate(_ document: String, fields: [String], choice: Int, position: Int, value: Int) -> [UInt8] {
        var bytes = Array(document.utf8)
        let field = fields[position % fields.count]
        let extreme = extremes[value % extremes.count]
        switch choice % 9 {
        case 0:  // a field set to an extreme value
            return Array(replacing(field, in: document, with: extreme).utf8)
        case 1:  // a field given twice, the second time extreme
            return Array(document.dropLast().utf8) + Array(",\"\(field)\":\(extreme)}".utf8)
        case 2:  // a field removed
            return Array(replacing(field, in: document, with: nil).utf8)
        case 3:  // truncated
            return Array(bytes.prefix(position % max(1, bytes.count)))
        case 4:  // one byte flipped
            let index = position % bytes.count
            bytes[index] ^= UInt8(truncatingIfNeeded: value | 1)
            return bytes
        case 5:  // invalid UTF-8 inside a string
            let index = position % bytes.count
            bytes.insert(contentsOf: [0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80], at: index)
            return bytes
        case 6:  // a new member with an extreme value
            return Array(document.dropLast().utf8) + Array(",\"x\(value)\":\(extreme)}".utf8)
        case 7:  // not an object at all
            return Array(extreme.utf8)
        default:  // two extremes at once
            let other = fields[(position / 7) % fields.count]
            return Array(
                replacing(other, in: replacing(field, in: document, with: extreme), with: extremes[(value / 5) % extremes.count]).utf8)
        }
    }

    /// `document` with the top-level member `field` given `value` (or removed for nil).
    /// Works on the seed documents' known layout: `"field":<value>` followed by `,` or `}`.
    static func replacing(_ field: String, in document: String, with value: String?) -> String {
        guard let keyRange = document.range(of: "\"\(field)\":") else {
            guard let value else { return document }
            return String(document.dropLast()) + ",\"\(field)\":\(value)}"
        }
        var depth = 0
        var inString = false
        var escaped = false
        var end = keyRange.upperBound
        while end < document.endIndex {
            let character = document[end]
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
            } else if character == "\"" {
                inString = true
            } else if character == "[" || character == "{" {
                depth += 1
            } else if character == "]" || character == "}" {
                if depth == 0 { break }
                depth -= 1
            } else if character == ",", depth == 0 {
                break
            }
            end = document.index(after: end)
        }
        guard let value else {
            var start = keyRange.lowerBound
            var stop = end
            if stop < document.endIndex, document[stop] == "," {
                stop = document.index(after: stop)
            } else if start > document.startIndex, document[document.index(before: start)] == "," {
                start = document.index(before: start)
            }
            return String(document[..<start] + document[stop...])
        }
        return String(document[..<keyRange.upperBound] + value + document[end...])
    }

    /// Inputs for ``mutate(_:fields:choice:position:value:)``.
    static let inputs = zip(Gen.int(in: 0...8), Gen.int(in: 0...1_000_000), Gen.int(in: 0...1_000_000))
}
