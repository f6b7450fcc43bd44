public import Foundation

/// How a spend report is written out: a table for people, CSV for spreadsheets, JSON for
/// programs. Costs are written as exact decimals (never through a float).
public enum SpendReportFormat: String, Sendable, CaseIterable {
    case table, csv, json

    public func render(_ rows: [SpendRow], groupBy: [SpendDimension]) -> String {
        let summed = UsageRecord.summedFields.map(\.name)
        let names = groupBy.map(\.rawValue) + ["requests"] + summed + ["cost", "currency"]
        // Token counts as integers, money (cache savings) as exact decimals like the cost.
        func totals(_ row: SpendRow) -> [String] {
            zip(UsageRecord.summedFields, row.totals).map { $0.kind == .money ? Money.text(nanos: Int64(clamping: $1)) : String($1) }
        }
        let cells = rows.map { row in
            row.groups + [String(row.requests)] + totals(row) + [Money.text(row.cost), row.currency]
        }
        switch self {
        case .table:
            let widths = names.indices.map { column in ([names[column]] + cells.map { $0[column] }).map(\.count).max() ?? 0 }
            func line(_ values: [String]) -> String {
                values.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            }
            return ([line(names)] + cells.map(line)).joined(separator: "\n")
        case .csv:
            return ([names] + cells).map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\n")
        case .json:
            let objects = rows.map { row in
                var fields = zip(groupBy, row.groups).map { "\(Self.jsonString($0.rawValue)):\(Self.jsonString($1))" }
                fields.append("\"requests\":\(row.requests)")
                fields += zip(summed, totals(row)).map { "\(Self.jsonString($0)):\($1)" }
                fields += ["\"cost\":\(Money.text(row.cost))", "\"currency\":\(Self.jsonString(row.currency))"]
                return "{" + fields.joined(separator: ",") + "}"
            }
            return "[" + objects.joined(separator: ",\n ") + "]"
        }
    }

    static func csvField(_ value: String) -> String {
        value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }

    static func jsonString(_ value: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [value], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    /// `2026-11-01` (a UTC day) or a full ISO 8601 time; nil when it doesn't parse.
    public static func date(_ text: String) -> Date? {
        if let day = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return day }
        return try? Date(text, strategy: .iso8601)
    }

    /// `tenant,day` → dimensions; throws naming an unknown field.
    public static func dimensions(_ text: String) throws -> [SpendDimension] {
        try text.split(separator: ",").map { name in
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let dimension = SpendDimension(rawValue: trimmed) else {
                throw SpendQueryError(
                    "unknown --by field '\(trimmed)' (one of \(SpendDimension.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return dimension
        }
    }
}

/// A report asked for something that doesn't exist (a field, a date).
public struct SpendQueryError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
