public import Foundation

/// `2026-11-24T01:02:03Z` from a date, by integer arithmetic (civil-from-days), since the
/// ledger writes one per record and `Date.formatted` is costly.
public enum UTCTimestamp {
    public static func text(_ date: Date) -> String {
        var bytes: [UInt8] = []
        append(date, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The UTC day `date` falls on: `2026-11-24` (how day totals, seals and reports name days).
    public static func day(_ date: Date) -> String {
        String(text(date).prefix(10))
    }

    /// - Parameter milliseconds: `…:03.042Z` (log lines); the ledger keeps whole seconds.
    public static func append(_ date: Date, to bytes: inout [UInt8], milliseconds: Bool = false) {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        let year = Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0))
        func two(_ value: Int) {
            bytes.append(UInt8(ascii: "0") + UInt8(value / 10))
            bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
        }
        ByteText.appendInteger(Int64(year), to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        two(month)
        bytes.append(UInt8(ascii: "-"))
        two(day)
        bytes.append(UInt8(ascii: "T"))
        two(secondOfDay / 3600)
        bytes.append(UInt8(ascii: ":"))
        two(secondOfDay / 60 % 60)
        bytes.append(UInt8(ascii: ":"))
        two(secondOfDay % 60)
        if milliseconds {
            // To the nearest millisecond (a Double's fraction is rarely exact), within this second.
            let fraction = date.timeIntervalSince1970 - Double(seconds)
            let millisecond = fraction.isFinite ? min(999, max(0, Int((fraction * 1000).rounded()))) : 0
            bytes.append(UInt8(ascii: "."))
            bytes.append(UInt8(ascii: "0") + UInt8(millisecond / 100))
            two(millisecond % 100)
        }
        bytes.append(UInt8(ascii: "Z"))
    }
}
