import Foundation
import GatewayModel
import Yams

/// A YAML node with the file and key path it came from, so every conversion
/// error can say exactly where the mistake is.
struct YAMLValue {
    let node: Node
    let file: String
    let path: String

    func error(_ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: node.mark?.line, column: node.mark?.column, keyPath: path, message: message)
    }

    var isNull: Bool {
        if case .scalar(let scalar) = node, scalar.style == .plain {
            return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
        }
        return false
    }

    /// A mapping whose keys must all be in `allowed` (nil: any key).
    func mapping(allowed: [String]?) throws(ConfigurationError) -> YAMLMapping {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping (key: value)") }
        var entries: [(String, YAMLValue)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let key) = keyNode else {
                throw error("keys must be plain strings")
            }
            let childPath = path.isEmpty ? key.string : "\(path).\(key.string)"
            if let allowed, !allowed.contains(key.string) {
                let located = YAMLValue(node: keyNode, file: file, path: childPath)
                throw located.error("unknown key '\(key.string)' (allowed: \(allowed.joined(separator: ", ")))")
            }
            if entries.contains(where: { $0.0 == key.string }) {
                throw YAMLValue(node: keyNode, file: file, path: childPath).error("duplicate key '\(key.string)'")
            }
            entries.append((key.string, YAMLValue(node: valueNode, file: file, path: childPath)))
        }
        return YAMLMapping(entries: entries, owner: self)
    }

    /// A free-form string-to-string mapping (headers, query items).
    func stringMap() throws(ConfigurationError) -> [String: String] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping (key: value)") }
        var result: [String: String] = [:]
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let key) = keyNode else { throw error("keys must be plain strings") }
            result[key.string] = try YAMLValue(node: valueNode, file: file, path: "\(path).\(key.string)").string()
        }
        return result
    }

    func sequence() throws(ConfigurationError) -> [YAMLValue] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { YAMLValue(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    func string() throws(ConfigurationError) -> String {
        guard case .scalar(let scalar) = node, !isNull else { throw error("expected a string") }
        return scalar.string
    }

    /// A non-empty name made of letters, digits and `-_.` — safe in URLs, headers and `provider/model`.
    func name() throws(ConfigurationError) -> String {
        let text = try string()
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        guard !text.isEmpty, text.unicodeScalars.allSatisfy(allowed.contains) else {
            throw error("'\(text)' is not a valid name (letters, digits, '-', '_', '.')")
        }
        return text
    }

    func int(in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            throw error("expected a whole number")
        }
        guard range.contains(value) else { throw error("\(value) is out of range \(range.lowerBound)...\(range.upperBound)") }
        return value
    }

    func bool() throws(ConfigurationError) -> Bool {
        guard case .scalar(let scalar) = node else { throw error("expected true or false") }
        switch scalar.string {
        case "true", "True", "TRUE", "yes": return true
        case "false", "False", "FALSE", "no": return false
        default: throw error("expected true or false, got '\(scalar.string)'")
        }
    }

    /// A non-negative decimal written as plain digits (`0.27`), parsed without going through `Double`.
    func decimal() throws(ConfigurationError) -> Decimal {
        guard case .scalar(let scalar) = node else { throw error("expected a number") }
        let text = scalar.string
        let isPlainNumber =
            !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
            && text.filter { $0 == "." }.count <= 1 && text.first != "." && text.last != "."
        guard isPlainNumber, let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
            throw error("expected a non-negative number such as 0.27, got '\(text)'")
        }
        guard value <= Budget.largestAmount else { throw error("\(text) is larger than the most money the ledger holds (9000000000)") }
        return value
    }

    func fraction() throws(ConfigurationError) -> Double {
        guard case .scalar(let scalar) = node, let value = Double(scalar.string), (0...1).contains(value) else {
            throw error("expected a number between 0 and 1")
        }
        return value
    }

    func choice<Choice: RawRepresentable & CaseIterable>(_: Choice.Type) throws(ConfigurationError) -> Choice
    where Choice.RawValue == String {
        let text = try string()
        guard let value = Choice(rawValue: text) else {
            let options = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw error("'\(text)' is not one of \(options)")
        }
        return value
    }
}

/// A validated mapping's entries, looked up by key.
struct YAMLMapping {
    let entries: [(String, YAMLValue)]
    let owner: YAMLValue

    subscript(key: String) -> YAMLValue? {
        entries.first { $0.0 == key }.map(\.1).flatMap { $0.isNull ? nil : $0 }
    }

    func required(_ key: String) throws(ConfigurationError) -> YAMLValue {
        guard let value = self[key] else { throw owner.error("missing required key '\(key)'") }
        return value
    }
}
