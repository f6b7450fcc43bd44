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
        func integer(_ name: String, _ value: Int) {
            key(name)
            ByteText.appendInteger(Int64(value), to: &line)
        }
        func money(_ name: String, _ nanos: Int64?) {
            key(name)
            if let nanos { ByteText.appendNanos(nanos, to: &line) } else { line.append(contentsOf: "null".utf8) }
        }
        string("id", id)
        string("request_id", requestID)
        key("time")
        line.append(UInt8(ascii: "\""))
        UTCTimestamp.append(time, to: &line)
        line.append(UInt8(ascii: "\""))
        string("tenant", tenant)
        string("key_id", keyID)
        string("route", route)
        string("provider", provider)
        string("model", model)
        string("region", region)
        string("dialect_in", dialectIn)
        string("dialect_out", dialectOut)
        raw("streamed", streamed ? "true" : "false")
        integer("input_tokens", inputTokens)
        integer("cached_input_tokens", cachedInputTokens)
        integer("output_tokens", outputTokens)
        string("usage_source", usageSource.rawValue)
        money("input_per_mtok", inputPerMillionNanos)
        money("cached_input_per_mtok", cachedInputPerMillionNanos)
        money("output_per_mtok", outputPerMillionNanos)
        string("currency", currency)
        money("cost", costNanos)
        string("reporting_currency", reportingCurrency)
        money("reporting_cost", reportingCostNanos)
        if let ttftMilliseconds { integer("ttft_ms", ttftMilliseconds) } else { raw("ttft_ms", "null") }
        integer("total_ms", totalMilliseconds)
        integer("status", status)
        string("outcome", outcome.rawValue)
        string("policy", policy)
        integer("pii_masked", piiMasked)
        line.append(UInt8(ascii: "}"))
        return line
    }
}

/// `2026-11-24T01:02:03Z` from a date, by integer arithmetic (civil-from-days), since the
/// ledger writes one per record and `Date.formatted` is costly.
public enum UTCTimestamp {
    public static func text(_ date: Date) -> String {
        var bytes: [UInt8] = []
        append(date, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func append(_ date: Date, to bytes: inout [UInt8]) {
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
        bytes.append(UInt8(ascii: "Z"))
    }
}

/// Numbers written straight into bytes, without an intermediate `String`.
enum ByteText {
    static func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[index]) }
        }
    }

    /// Nano-units as a plain decimal (`1500000` → `0.0015`); ``Money/text(nanos:)`` as bytes.
    static func appendNanos(_ nanos: Int64, to bytes: inout [UInt8]) {
        if nanos < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = nanos.magnitude
        appendInteger(Int64(magnitude / 1_000_000_000), to: &bytes)
        var fraction = magnitude % 1_000_000_000
        guard fraction > 0 else { return }
        var digits = 9
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        bytes.append(UInt8(ascii: "."))
        var scale: UInt64 = 1
        for _ in 1..<digits { scale *= 10 }
        while scale > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(fraction / scale % 10))
            scale /= 10
        }
    }
}
