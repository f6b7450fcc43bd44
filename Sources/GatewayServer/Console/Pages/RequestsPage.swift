import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// `/console/requests`: recent usage records, newest first, filterable like the CLI (`tenant`,
/// `key`, `route`, `provider`, `model`, `since`, `until`), a page at a time; and
/// `/console/requests/{request id}?time=…`: one request's routing story, attempt by attempt.
enum RequestsPage {
    static let pageSize = 50

    static let template = """
        <form class="filters" method="get" action="/console/requests">
        {{#admin}}<label>{{t.tenant}}<input name="tenant" value="{{tenant}}" size="10"></label>{{/admin}}
        <label>{{t.key}}<input name="key" value="{{key}}" size="14"></label>
        <label>{{t.route}}<input name="route" value="{{route}}" size="10"></label>
        <label>{{t.provider}}<input name="provider" value="{{provider}}" size="10"></label>
        <label>{{t.model}}<input name="model" value="{{model}}" size="14"></label>
        <label>{{t.since}}<input name="since" value="{{since}}" size="12" placeholder="YYYY-MM-DD"></label>
        <label>{{t.until}}<input name="until" value="{{until}}" size="12" placeholder="YYYY-MM-DD"></label>
        <button type="submit">{{t.apply}}</button>
        </form>
        <div class="table-wrap"><table id="requests">
        <thead><tr><th scope="col">{{t.time}}</th><th scope="col">{{t.request}}</th><th scope="col">{{t.tenant}}</th><th scope="col">{{t.route}}</th><th scope="col">{{t.target}}</th><th scope="col">{{t.outcome}}</th><th scope="col" class="num">{{t.ttft}}</th><th scope="col" class="num">{{t.latency}}</th><th scope="col" class="num">{{t.tokens}}</th><th scope="col" class="num">{{t.cost}}</th></tr></thead>
        <tbody>{{#records}}<tr><td>{{time}}</td><td><a href="{{href}}">{{requestID}}</a></td><td>{{tenant}}</td><td>{{route}}</td><td>{{target}}</td><td>{{outcome}} ({{status}})</td><td class="num">{{ttft}}</td><td class="num">{{latency}}</td><td class="num">{{tokens}}</td><td class="num" data-value="{{costValue}}">{{cost}}</td></tr>{{/records}}</tbody>
        </table></div>
        {{^records}}<p class="hint">{{t.no_requests}}</p>{{/records}}
        <p>{{#newestHref}}<a href="{{newestHref}}">{{t.first_page}}</a> {{/newestHref}}{{#olderHref}}<a href="{{olderHref}}" id="older">{{t.next_page}} →</a>{{/olderHref}}</p>
        """

    static let detailTemplate = """
        <section class="cards">{{#facts}}<div class="card"><div class="label">{{label}}</div><div class="value">{{value}}</div></div>{{/facts}}</section>
        <h2>{{t.attempts}}</h2>
        <div class="table-wrap"><table id="attempts">
        <thead><tr><th scope="col">{{t.time}}</th><th scope="col">{{t.target}}</th><th scope="col">{{t.region}}</th><th scope="col">{{t.outcome}}</th><th scope="col">{{t.dialect}}</th><th scope="col">{{t.streamed}}</th><th scope="col" class="num">{{t.ttft}}</th><th scope="col" class="num">{{t.latency}}</th><th scope="col" class="num">{{t.input_tokens}}</th><th scope="col" class="num">{{t.output_tokens}}</th><th scope="col" class="num">{{t.pii_masked}}</th><th scope="col" class="num">{{t.cost}}</th></tr></thead>
        <tbody>{{#attempts}}<tr><td>{{time}}</td><td>{{target}}</td><td>{{region}}</td><td>{{outcome}} ({{status}})</td><td>{{dialect}}</td><td>{{streamed}}</td><td class="num">{{ttft}}</td><td class="num">{{latency}}</td><td class="num">{{input}}</td><td class="num">{{output}}</td><td class="num">{{pii}}</td><td class="num">{{cost}}</td></tr>{{/attempts}}</tbody>
        </table></div>
        <p><a href="/console/requests">← {{t.requests}}</a></p>
        """

    static func view(_ visit: ConsoleVisit) async throws -> ConsoleDraw {
        let parameters = visit.parameters
        let tenant = try visit.scopedTenant(asked: parameters["tenant"])
        var filter: UsageFilter
        do {
            filter = try UsageFilter(parsingSince: parameters["since"], until: parameters["until"], tenant: tenant, key: parameters["key"])
        } catch {
            throw ConsoleProblem.badInput("\(error)")
        }
        filter.route = parameters["route"]
        filter.provider = parameters["provider"]
        filter.model = parameters["model"]
        let cursor = try parameters["before"].map(Self.cursor)
        let records = try await visit.committedLedger("recent requests") { [filter] in
            try await $0.latestUsageRecords(filter, before: cursor, limit: pageSize)
        }
        let locale = visit.locale
        var values: [String: Any] = ["records": records.map { row($0, locale: locale) }, "admin": visit.isAdmin]
        for name in ["key", "route", "provider", "model", "since", "until"] { values[name] = parameters[name] ?? "" }
        values["tenant"] = visit.isAdmin ? (tenant ?? "") : ""
        func link(before: UsageCursor?) -> String {
            var components = URLComponents()
            components.path = "/console/requests"
            components.queryItems =
                parameters.filter { $0.key != "before" && $0.key != "lang" }.sorted { $0.key < $1.key }.map {
                    URLQueryItem(name: $0.key, value: $0.value)
                }
                + (before.map { [URLQueryItem(name: "before", value: "\(UTCTimestamp.text($0.time))~\($0.id)")] } ?? [])
            return components.string ?? "/console/requests"
        }
        if records.count == pageSize, let last = records.last {
            values["olderHref"] = link(before: UsageCursor(time: last.time, id: last.id))
        }
        if cursor != nil { values["newestHref"] = link(before: nil) }
        return .page(ConsoleView(title: locale.text("requests"), template: "requests", values: values))
    }

    static func detail(_ visit: ConsoleVisit) async throws -> ConsoleDraw {
        let requestID = visit.context.parameters.get("id") ?? ""
        // The request's time bounds the search to its hour, so a big ledger is not read whole.
        guard let text = visit.parameters["time"], let time = SpendReportFormat.date(text) else {
            throw ConsoleProblem.badInput("time must be the request's time (ISO 8601), as the request list links it")
        }
        let filter = UsageFilter(
            since: time.addingTimeInterval(-3600), until: time.addingTimeInterval(3600), tenant: visit.tenant, requestID: requestID)
        let attempts = try await visit.ledger("a request's attempts") { try await $0.usageRecords(filter) }
        guard let first = attempts.first else { throw ConsoleProblem.notFound }
        let locale = visit.locale
        let route = visit.gateway.configuration.routes.first { $0.name == first.route }
        let failed = attempts.filter { $0.outcome == .failed }.count
        let facts: [(String, String)] = [
            ("request", requestID), ("tenant", first.tenant), ("key", first.keyID), ("route", first.route),
            ("strategy", route.map { "\($0.strategy)" } ?? "—"), ("attempts", locale.number(attempts.count)),
            ("fallbacks", locale.number(attempts.count > 1 ? failed : 0)),
            ("outcome", attempts.contains { $0.outcome == .cancelled } ? "hedged" : (attempts.last?.outcome.rawValue ?? "")),
            ("policy", first.policy.isEmpty ? locale.text("none") : first.policy),
            ("pii_masked", locale.number(attempts.map(\.piiMasked).reduce(0, +))),
            ("cost", totalCost(attempts, locale: locale)),
            ("reporting_cost", reportingCost(attempts, locale: locale)),
        ]
        let rows = attempts.map { record -> [String: Any] in
            [
                "time": UTCTimestamp.text(record.time), "target": "\(record.provider)/\(record.model)", "region": record.region,
                "outcome": record.outcome.rawValue, "status": record.status, "dialect": "\(record.dialectIn) → \(record.dialectOut)",
                "streamed": record.streamed ? "✓" : "—", "ttft": record.ttftMilliseconds.map { "\(locale.number($0)) ms" } ?? "—",
                "latency": "\(locale.number(record.totalMilliseconds)) ms", "input": locale.number(record.inputTokens),
                "output": locale.number(record.outputTokens), "pii": locale.number(record.piiMasked),
                "cost": locale.money(Money.amount(nanos: record.costNanos), record.currency),
            ]
        }
        return .page(
            ConsoleView(
                title: "\(locale.text("request_detail")) \(requestID)", template: "request",
                values: ["facts": facts.map { ["label": locale.text($0.0), "value": $0.1] }, "attempts": rows]))
    }

    static func row(_ record: UsageRecord, locale: ConsoleLocale) -> [String: Any] {
        var detail = URLComponents()
        detail.path = "/console/requests/\(record.requestID)"
        detail.queryItems = [URLQueryItem(name: "time", value: UTCTimestamp.text(record.time))]
        return [
            "time": UTCTimestamp.text(record.time), "requestID": record.requestID, "href": detail.string ?? "", "tenant": record.tenant,
            "route": record.route, "target": "\(record.provider)/\(record.model)", "outcome": record.outcome.rawValue,
            "status": record.status, "ttft": record.ttftMilliseconds.map { "\(locale.number($0)) ms" } ?? "—",
            "latency": "\(locale.number(record.totalMilliseconds)) ms",
            "tokens": "\(locale.number(record.inputTokens)) / \(locale.number(record.outputTokens))",
            "cost": locale.money(Money.amount(nanos: record.costNanos), record.currency),
            "costValue": "\(Money.text(nanos: record.costNanos)) \(record.currency)",
        ]
    }

    static func totalCost(_ records: [UsageRecord], locale: ConsoleLocale) -> String {
        SpendTable.total(records.map { ($0.currency, Money.amount(nanos: $0.costNanos)) }, locale: locale)
    }

    /// What the attempts cost in the reporting currency ("—" when a price doesn't convert).
    static func reportingCost(_ records: [UsageRecord], locale: ConsoleLocale) -> String {
        guard let currency = records.first?.reportingCurrency, records.allSatisfy({ $0.reportingCostNanos != nil }) else { return "—" }
        let nanos = records.reduce(Int64(0)) { $0.saturatingAdding($1.reportingCostNanos ?? 0) }
        return locale.money(Money.amount(nanos: nanos), currency)
    }

    /// `2026-11-30T10:00:00Z~rec-id`, as the page's "older" link writes it.
    static func cursor(_ text: String) throws(ConsoleProblem) -> UsageCursor {
        let parts = text.split(separator: "~", maxSplits: 1)
        guard parts.count == 2, let time = SpendReportFormat.date(String(parts[0])) else {
            throw .badInput("before must be a time and a record id, as the page's link writes them")
        }
        return UsageCursor(time: time, id: String(parts[1]))
    }
}
