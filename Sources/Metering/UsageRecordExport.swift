import Foundation

/// Usage records for auditors: JSON lines (the journal's shape) or CSV (one column per field).
public enum UsageRecordExport {
    public static func jsonLines(_ records: [UsageRecord]) -> String {
        var bytes: [UInt8] = []
        for record in records { record.appendJSONLine(to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static let csvColumns = [
        "id", "request_id", "time", "tenant", "key_id", "route", "provider", "model", "region", "dialect_in", "dialect_out",
        "streamed", "input_tokens", "cached_input_tokens", "output_tokens", "usage_source", "input_per_mtok",
        "cached_input_per_mtok", "output_per_mtok", "currency", "cost", "reporting_currency", "reporting_cost", "ttft_ms",
        "total_ms", "status", "outcome", "policy", "pii_masked",
    ]

    public static func csv(_ records: [UsageRecord]) -> String {
        var lines = [csvColumns.joined(separator: ",")]
        for record in records {
            let fields: [String] = [
                record.id, record.requestID, UTCTimestamp.text(record.time), record.tenant, record.keyID, record.route,
                record.provider, record.model, record.region, record.dialectIn, record.dialectOut, String(record.streamed),
                String(record.inputTokens), String(record.cachedInputTokens), String(record.outputTokens),
                record.usageSource.rawValue, Money.text(nanos: record.inputPerMillionNanos),
                Money.text(nanos: record.cachedInputPerMillionNanos), Money.text(nanos: record.outputPerMillionNanos),
                record.currency, Money.text(nanos: record.costNanos), record.reportingCurrency,
                record.reportingCostNanos.map { Money.text(nanos: $0) } ?? "", record.ttftMilliseconds.map(String.init) ?? "",
                String(record.totalMilliseconds), String(record.status), record.outcome.rawValue, record.policy,
                String(record.piiMasked),
            ]
            lines.append(fields.map(SpendReportFormat.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
