import GatewayModel
import JSONScanning

extension JSONValue {
    /// Compact JSON text with object keys sorted (stable output for the same value), written
    /// directly: no Foundation encoder on the translated hot path.
    var jsonText: String {
        var output = ""
        write(to: &output)
        return output
    }

    /// Integral numbers print without a fraction, as they arrived.
    static func numberText(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 9.0e15 ? String(Int64(value)) : "\(value)"
    }

    func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let value):
            output += Self.numberText(value)
        case .string(let value): output += JSONEncoding.quoted(value)
        case .array(let values):
            output += "["
            for (position, value) in values.enumerated() {
                if position > 0 { output += "," }
                value.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (position, (key, value)) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if position > 0 { output += "," }
                output += JSONEncoding.quoted(key)
                output += ":"
                value.write(to: &output)
            }
            output += "}"
        }
    }
}

/// A small JSON object writer for request bodies the gateway builds itself.
struct JSONObjectWriter {
    private(set) var text = "{"
    private var empty = true

    private mutating func key(_ name: String) {
        if !empty { text += "," }
        empty = false
        text += JSONEncoding.quoted(name)
        text += ":"
    }

    mutating func string(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        text += JSONEncoding.quoted(value)
    }

    mutating func number(_ name: String, _ value: Double?) {
        guard let value else { return }
        key(name)
        text += JSONValue.numberText(value)
    }

    mutating func int(_ name: String, _ value: Int?) {
        guard let value else { return }
        key(name)
        text += String(value)
    }

    mutating func bool(_ name: String, _ value: Bool?) {
        guard let value else { return }
        key(name)
        text += value ? "true" : "false"
    }

    /// `json` is already valid JSON text.
    mutating func raw(_ name: String, _ json: String?) {
        guard let json else { return }
        key(name)
        text += json
    }

    mutating func strings(_ name: String, _ values: [String]?) {
        guard let values else { return }
        raw(name, "[" + values.map { JSONEncoding.quoted($0) }.joined(separator: ",") + "]")
    }

    mutating func objects(_ name: String, _ values: [String]?) {
        guard let values else { return }
        raw(name, "[" + values.joined(separator: ",") + "]")
    }

    var closed: String { text + "}" }
}
