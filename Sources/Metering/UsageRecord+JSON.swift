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
            line.append(contentsOf: JSONEncoding.string(value) as [UInt8])
        }
        func raw(_ name: String, _ value: String) {
            key(name)
            line.append(contentsOf: value.utf8)
        }
        string("id", id)
        string("request_id", requestID)
        string("time", time.formatted(.iso8601))
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
        raw("input_per_mtok", Money.text(inputPerMillion))
        raw("cached_input_per_mtok", Money.text(cachedInputPerMillion))
        raw("output_per_mtok", Money.text(outputPerMillion))
        string("currency", currency)
        raw("cost", Money.text(cost))
        string("reporting_currency", reportingCurrency)
        raw("reporting_cost", reportingCost.map(Money.text) ?? "null")
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
