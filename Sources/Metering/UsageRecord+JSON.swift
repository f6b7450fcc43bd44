import Foundation
import JSONScanning

extension UsageRecord {
    /// The record as one line of JSON (the journal's and `ledger export`'s shape, readable by
    /// `Codable`), written by hand: it is produced for every request, and a general-purpose
    /// encoder costs several times more.
    func jsonLine() -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(640)
        var first = true
        func key(_ name: String) {
            line.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            line.append(UInt8(ascii: "\""))
            line.append(contentsOf: name.utf8)
            line.append(contentsOf: #"":"#.utf8)
        }
        func string(_ name: String, _ value: String) {
            key(name)
            // Ids, names and codes need no escaping: copy them straight in.
            if value.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
                line.append(UInt8(ascii: "\""))
                line.append(contentsOf: value.utf8)
                line.append(UInt8(ascii: "\""))
            } else {
                line.append(contentsOf: JSONEncoding.string(value) as [UInt8])
            }
        }
        func raw(_ name: String, _ value: String) {
            key(name)
            line.append(contentsOf: value.utf8)
        }
        string("id", id)
        string("request_id", requestID)
        string("time", UTCTimestamp.text(time))
        string("tenant", tenant)
        string("key_id", keyID)
        string("route", route)
        string("provider", provider)
        string("model", model)
        string("region", region)
        string("dialect_in", dialectIn)
        string("dialect_out", dialectOut)
        raw("streamed", streamed ? "true" : "false")
        raw("input_tokens", String(inputTokens))
        raw("cached_input_tokens", String(cachedInputTokens))
        raw("output_tokens", String(outputTokens))
        string("usage_source", usageSource.rawValue)
        raw("input_per_mtok", Money.text(nanos: inputPerMillionNanos))
        raw("cached_input_per_mtok", Money.text(nanos: cachedInputPerMillionNanos))
        raw("output_per_mtok", Money.text(nanos: outputPerMillionNanos))
        string("currency", currency)
        raw("cost", Money.text(nanos: costNanos))
        string("reporting_currency", reportingCurrency)
        raw("reporting_cost", reportingCostNanos.map { Money.text(nanos: $0) } ?? "null")
        raw("ttft_ms", ttftMilliseconds.map { String($0) } ?? "null")
        raw("total_ms", String(totalMilliseconds))
        raw("status", String(status))
        string("outcome", outcome.rawValue)
        string("policy", policy)
        raw("pii_masked", String(piiMasked))
        line.append(UInt8(ascii: "}"))
        return line
    }
}

/// `2026-11-24T01:02:03Z` from a date, by integer arithmetic (civil-from-days), since the
/// ledger writes one per record and `Date.formatted` is costly.
public enum UTCTimestamp {
    public static func text(_ date: Date) -> String {
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
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }
}
