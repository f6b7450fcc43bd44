import Foundation

/// Usage records for auditors: JSON lines (the journal's shape) or CSV (one column per field),
/// each record followed by its cost's parts (``UsageRecord/costParts``: `input_cost`… — derived
/// from the record, not stored; a reader of the lines passes over them).
public enum UsageRecordExport {
    public static func jsonLines(_ records: [UsageRecord]) -> String {
        var bytes: [UInt8] = []
        for record in records {
            record.appendJSONLine(to: &bytes)
            bytes.removeLast(2)  // "}\n": the parts go inside the object
            for part in record.costParts {
                bytes.append(contentsOf: Array(",\"\(part.name)\":".utf8))
                ByteText.appendNanos(part.nanos, to: &bytes)
            }
            bytes.append(contentsOf: Array("}\n".utf8))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads records back from JSON lines (`ledger export`'s or the journal's): the records, or
    /// the number of the first line that isn't one.
    public static func records(fromJSONLines data: Data) -> Result<[UsageRecord], UnreadableLine> {
        var records: [UsageRecord] = []
        for (number, line) in UsageRecordCoding.lines(of: data) {
            switch line {
            case .success(let record): records.append(record)
            case .failure(let error): return .failure(UnreadableLine(line: number, reason: "\(error)"))
            }
        }
        return .success(records)
    }

    public struct UnreadableLine: Error, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line) is not a usage record: \(reason)" }
    }

    static let csvColumns = UsageRecord.fields.map(\.name) + UsageRecord.costPartNames

    public static func csv(_ records: [UsageRecord]) -> String {
        var lines = [csvColumns.joined(separator: ",")]
        for record in records {
            let fields = UsageRecord.fields.map { field -> String in
                switch field.get(record) {
                case .null: ""
                case .text(let text): text
                case .integer(let number): field.kind == .money ? Money.text(nanos: number) : String(number)
                case .boolean(let flag): String(flag)
                case .time(let time): UTCTimestamp.text(time)
                }
            }
            let parts = record.costParts.map { Money.text(nanos: $0.nanos) }
            lines.append((fields + parts).map(SpendReportFormat.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
