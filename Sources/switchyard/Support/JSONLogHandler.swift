import Foundation
import JSONScanning
import Logging
import Metering

/// `--log-format json`: one JSON object per line on stderr — `time`, `level`, `logger`,
/// `message`, then the line's metadata as fields (numbers and booleans as JSON's own) — what
/// Loki, Elasticsearch and every log shipper read without a parsing rule.
///
/// Written here because swift-log ships only a text handler and no package on the mirror offers
/// a JSON one; it is a line of string escaping (``JSONEncoding``) and one `write` per line.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line: [UInt8] = Array("{\"time\":\"".utf8)
        UTCTimestamp.append(Date(), to: &line, milliseconds: true)
        line += Array("\",\"level\":".utf8) + JSONEncoding.string(event.level.rawValue)
        line += Array(",\"logger\":".utf8) + JSONEncoding.string(label)
        line += Array(",\"message\":".utf8) + JSONEncoding.string(event.message.description)
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        // Hummingbird's request id, under the name the request line and the ledger use.
        if let id = fields.removeValue(forKey: "hb.request.id") { fields["request_id"] = id }
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            line += Array(",".utf8) + JSONEncoding.string(key) + Array(":".utf8)
            Self.append(value, to: &line)
        }
        line += Array("}\n".utf8)
        line.withUnsafeBytes { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }

    private static func append(_ value: Logger.Metadata.Value, to line: inout [UInt8]) {
        switch value {
        case .string(let text): line += JSONEncoding.string(text)
        case .stringConvertible(let value):
            switch value {
            case let flag as Bool: line += Array((flag ? "true" : "false").utf8)
            case is any BinaryInteger: line += Array(value.description.utf8)
            case let number as Double where number.isFinite: line += Array(number.description.utf8)
            default: line += JSONEncoding.string(value.description)
            }
        case .array(let values):
            line.append(UInt8(ascii: "["))
            for (position, element) in values.enumerated() {
                if position > 0 { line.append(UInt8(ascii: ",")) }
                append(element, to: &line)
            }
            line.append(UInt8(ascii: "]"))
        case .dictionary(let fields):
            line.append(UInt8(ascii: "{"))
            for (position, (key, element)) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
                if position > 0 { line.append(UInt8(ascii: ",")) }
                line += JSONEncoding.string(key) + Array(":".utf8)
                append(element, to: &line)
            }
            line.append(UInt8(ascii: "}"))
        }
    }
}
