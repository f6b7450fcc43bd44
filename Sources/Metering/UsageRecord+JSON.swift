import Foundation
import JSONScanning

extension UsageRecord {
    /// Appends the record as one line of JSON and a newline (the journal's and `ledger export`'s
    /// shape, readable by `Codable`) — written by hand, straight into `bytes`: it runs for every
    /// request, and a general-purpose encoder costs ten times more.
    func appendJSONLine(to bytes: inout [UInt8]) {
        var writer = JSONLineWriter(bytes: bytes)
        bytes = []  // `writer` owns the buffer meanwhile: appends don't copy it.
        writer.string(#"{"id":"#, id)
        writer.string(#","request_id":"#, requestID)
        writer.raw(#","time":""#)
        UTCTimestamp.append(time, to: &writer.bytes)
        writer.raw(#"""#)
        writer.string(#","tenant":"#, tenant)
        writer.string(#","key_id":"#, keyID)
        writer.string(#","route":"#, route)
        writer.string(#","provider":"#, provider)
        writer.string(#","model":"#, model)
        writer.string(#","region":"#, region)
        writer.string(#","dialect_in":"#, dialectIn)
        writer.string(#","dialect_out":"#, dialectOut)
        writer.raw(streamed ? #","streamed":true"# : #","streamed":false"#)
        writer.integer(#","input_tokens":"#, inputTokens)
        writer.integer(#","cached_input_tokens":"#, cachedInputTokens)
        writer.integer(#","output_tokens":"#, outputTokens)
        writer.string(#","usage_source":"#, usageSource.rawValue)
        writer.money(#","input_per_mtok":"#, inputPerMillionNanos)
        writer.money(#","cached_input_per_mtok":"#, cachedInputPerMillionNanos)
        writer.money(#","output_per_mtok":"#, outputPerMillionNanos)
        writer.string(#","currency":"#, currency)
        writer.money(#","cost":"#, costNanos)
        writer.string(#","reporting_currency":"#, reportingCurrency)
        writer.money(#","reporting_cost":"#, reportingCostNanos)
        writer.integer(#","ttft_ms":"#, ttftMilliseconds)
        writer.integer(#","total_ms":"#, totalMilliseconds)
        writer.integer(#","status":"#, status)
        writer.string(#","outcome":"#, outcome.rawValue)
        writer.string(#","policy":"#, policy)
        writer.integer(#","pii_masked":"#, piiMasked)
        writer.raw("}\n")
        bytes = writer.bytes
    }
}

/// Appends the pieces of a JSON line: keys come as static text with their punctuation
/// (`,"route":`), values as Swift values.
private struct JSONLineWriter {
    var bytes: [UInt8]

    mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func string(_ key: StaticString, _ value: String) {
        raw(key)
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

    mutating func integer(_ key: StaticString, _ value: Int?) {
        raw(key)
        if let value { ByteText.appendInteger(Int64(value), to: &bytes) } else { raw("null") }
    }

    mutating func money(_ key: StaticString, _ nanos: Int64?) {
        raw(key)
        if let nanos { ByteText.appendNanos(nanos, to: &bytes) } else { raw("null") }
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

    public static func append(_ date: Date, to bytes: inout [UInt8]) {
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
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
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
