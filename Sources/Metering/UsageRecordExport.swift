import Foundation

/// Usage records for auditors: JSON lines (the journal's shape) or CSV (one column per field).
public enum UsageRecordExport {
    public static func jsonLines(_ records: [UsageRecord]) -> String {
        var bytes: [UInt8] = []
        for record in records { record.appendJSONLine(to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static let csvColumns = UsageRecord.fields.map(\.name)

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
            lines.append(fields.map(SpendReportFormat.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
