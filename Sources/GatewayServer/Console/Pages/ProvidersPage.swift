import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// `/console/providers`: every target — its circuit now, what the last hour's records measured
/// (p50/p95 latency, TTFT, error rate, over every replica), its prices, region, deployment and
/// retention as `Routes/` declares them.
enum ProvidersPage {
    /// The most recent records the figures are measured over.
    static let sample = 5_000

    static let template = """
        <p class="hint">{{measuredNote}}</p>
        <div class="table-wrap"><table id="providers">
        <thead><tr><th scope="col">{{t.target}}</th><th scope="col">{{t.health}}</th><th scope="col" class="num">{{t.p50}}</th><th scope="col" class="num">{{t.p95}}</th><th scope="col" class="num">{{t.ttft}}</th><th scope="col" class="num">{{t.error_rate}}</th><th scope="col" class="num">{{t.requests}}</th><th scope="col" class="num">{{t.price_in}}</th><th scope="col" class="num">{{t.price_out}}</th><th scope="col">{{t.region}}</th><th scope="col">{{t.deployment}}</th><th scope="col">{{t.retention}}</th></tr></thead>
        <tbody>{{#targets}}<tr><td>{{target}}</td><td>{{health}}</td><td class="num">{{p50}}</td><td class="num">{{p95}}</td><td class="num">{{ttft}}</td><td class="num">{{errors}}</td><td class="num">{{samples}}</td><td class="num">{{priceIn}}</td><td class="num">{{priceOut}}</td><td>{{region}}</td><td>{{deployment}}</td><td>{{retention}}</td></tr>{{/targets}}</tbody>
        </table></div>
        """

    static func view(_ visit: ConsoleVisit, now: Date = Date()) async throws -> ConsoleDraw {
        let gateway = visit.gateway
        let locale = visit.locale
        // A tenant sees the figures of its own requests; the admin, everyone's.
        let filter = UsageFilter(since: now.addingTimeInterval(-3600), tenant: visit.tenant)
        let records = try await visit.committedLedger("provider figures") {
            try await $0.latestUsageRecords(filter, before: nil, limit: sample)
        }
        let measured = Dictionary(grouping: records) { ModelReference(provider: $0.provider, model: $0.model) }
        let circuits = gateway.health.snapshot()
        let unavailable = gateway.planner.unavailableProviders
        var targets: [[String: Any]] = []
        for provider in gateway.configuration.providers {
            for offering in provider.models {
                let reference = ModelReference(provider: provider.name, model: offering.name)
                let attempts = measured[reference] ?? []
                let latencies = attempts.map(\.totalMilliseconds).sorted()
                let firstTokens = attempts.compactMap(\.ttftMilliseconds).sorted()
                let errors = attempts.filter { $0.outcome == .failed || $0.outcome == .interrupted }.count
                let price = offering.price
                let unit = "\(price.currency) / 1M"
                // A tiered price shows its range, from the shortest prompts' band to the dearest.
                func shown(_ rate: (TokenPrices) -> Decimal) -> String {
                    let rates = price.tiers.map { rate($0.prices) }
                    let (low, high) = (rates.min() ?? 0, rates.max() ?? 0)
                    return (low == high ? Money.text(low) : "\(Money.text(low))–\(Money.text(high))") + " \(unit)"
                }
                targets.append([
                    "target": reference.description,
                    "health": unavailable[provider.name].map { "\(locale.text("unavailable")): \($0)" }
                        ?? circuits.status(of: reference).description,
                    "p50": quantile(latencies, 0.5).map { "\(locale.number($0)) ms" } ?? "—",
                    "p95": quantile(latencies, 0.95).map { "\(locale.number($0)) ms" } ?? "—",
                    "ttft": quantile(firstTokens, 0.5).map { "\(locale.number($0)) ms" } ?? "—",
                    "errors": attempts.isEmpty ? "—" : String(format: "%.1f%%", Double(errors) * 100 / Double(attempts.count)),
                    "samples": locale.number(attempts.count),
                    "priceIn": shown(\.input), "priceOut": shown(\.highestOutput),
                    "region": provider.region, "deployment": provider.deployment.rawValue, "retention": provider.retention ?? "—",
                ])
            }
        }
        let note =
            locale == .english
            ? "Latency, TTFT and error rate: the last hour's attempts (at most \(locale.number(sample)) newest); health: this gateway's circuit now."
            : "延迟、首令牌时间与错误率：最近一小时的尝试（最多最新 \(locale.number(sample)) 条）；健康状态：本网关此刻的熔断状态。"
        return .page(
            ConsoleView(title: locale.text("providers"), template: "providers", values: ["targets": targets, "measuredNote": note]))
    }

    /// The value at `fraction` of a sorted list (nearest rank), or nil when it is empty.
    static func quantile(_ sorted: [Int], _ fraction: Double) -> Int? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(sorted.count - 1, max(0, rank))]
    }
}
