import Foundation
import JSONScanning

extension UsageRecord {
    /// Appends the record as one line of JSON and a newline (the journal's and `ledger export`'s
    /// shape, readable by `Codable`) — written by hand, field by field, straight into `bytes`: it
    /// runs for every request, and a general-purpose encoder costs ten times more.
    ///
    /// `sealing`: the line a day seal hashes — without the fields declared after seals began
    /// where they hold their standard value, so the line of a record stored before them is the
    /// line it was sealed as.
    func appendJSONLine(to bytes: inout [UInt8], sealing: Bool = false) {
        var writer = JSONLineWriter(bytes: bytes)
        bytes = []  // `writer` owns the buffer meanwhile: appends don't copy it.
        // By index: iterating the fields copies each (its strings and closures retained and
        // released), a tenth of a journal line's cost.
        let (fields, keys) = (Self.fields, Self.jsonKeys)
        for index in fields.indices {
            let value = fields[index].get(self)
            if sealing, fields[index].addedAfterSeals, value == fields[index].standard { continue }
            writer.bytes.append(contentsOf: keys[index])
            switch value {
            case .null: writer.raw("null")
            case .text(let text): writer.string(text)
            case .integer(let number) where fields[index].kind == .money: ByteText.appendNanos(number, to: &writer.bytes)
            case .integer(let number): ByteText.appendInteger(number, to: &writer.bytes)
            case .boolean(let flag): writer.raw(flag ? "true" : "false")
            case .time(let time):
                writer.raw("\"")
                UTCTimestamp.append(time, to: &writer.bytes)
                writer.raw("\"")
            }
        }
        writer.raw("}\n")
        bytes = writer.bytes
    }

    /// Each field's key with its punctuation: `{"id":`, then `,"request_id":`…
    private static let jsonKeys: [[UInt8]] = fields.enumerated().map { position, field in
        Array(((position == 0 ? "{" : ",") + "\"\(field.name)\":").utf8)
    }

    /// Reads a journal or export line (written by ``appendJSONLine(to:)``); money is read as exact
    /// decimals. A field the line lacks — written before the field existed — takes its standard value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: FieldKey.self)
        try self.init { field throws -> UsageValue? in
            let key = FieldKey(stringValue: field.name)
            guard container.contains(key) else {
                if field.optional || field.standard != nil { return nil }
                throw DecodingError.keyNotFound(
                    key, .init(codingPath: container.codingPath, debugDescription: "a usage record needs '\(field.name)'"))
            }
            if try container.decodeNil(forKey: key) { return .null }
            switch field.kind {
            case .text: return .text(try container.decode(String.self, forKey: key))
            case .integer: return .integer(try container.decode(Int64.self, forKey: key))
            case .boolean: return .boolean(try container.decode(Bool.self, forKey: key))
            case .money: return .integer(Money.nanos(try container.decode(Decimal.self, forKey: key)))
            case .time: return .time(try container.decode(Date.self, forKey: key))
            }
        }
    }

    struct FieldKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// Appends the pieces of a JSON line straight into its bytes.
private struct JSONLineWriter {
    var bytes: [UInt8]

    mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func string(_ value: String) {
        let copied = value.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            // Ids, names and codes need no escaping: copy them straight in.
            guard !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                return false
            }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
            return true
        }
        if copied != true { bytes.append(contentsOf: JSONEncoding.string(value) as [UInt8]) }
    }
}
