import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// `/console/spend`: `switchyard spend` in the browser — the same options by the same names
/// (`by`, `since`, `until`, `tenant`, `key`), and `format=csv` downloads exactly what
/// `switchyard spend --format csv` prints for the same query.
enum SpendPage {
    static let template = """
        <form class="filters" method="get" action="/console/spend">
        <label>{{t.group_by}}<input name="by" value="{{by}}" size="22" aria-describedby="by-hint"></label>
        <label>{{t.since}}<input name="since" value="{{since}}" size="12" placeholder="YYYY-MM-DD"></label>
        <label>{{t.until}}<input name="until" value="{{until}}" size="12" placeholder="YYYY-MM-DD"></label>
        {{#admin}}<label>{{t.tenant}}<input name="tenant" value="{{tenant}}" size="12"></label>{{/admin}}
        <label>{{t.key}}<input name="key" value="{{key}}" size="16"></label>
        <button type="submit">{{t.apply}}</button>
        <a href="{{csvHref}}" id="download-csv" download>{{t.download_csv}}</a>
        </form>
        <p class="hint" id="by-hint">{{t.group_by_hint}} {{t.date_hint}}</p>
        {{{chart}}}
        {{> spend-table}}
        """

    static func view(_ visit: ConsoleVisit, now: Date = Date()) async throws -> ConsoleDraw {
        let parameters = visit.parameters
        let tenant = try visit.scopedTenant(asked: parameters["tenant"])
        // Without a range, this month so far (the whole ledger of a busy year is not a page).
        let since =
            parameters["since"]
            ?? (parameters["until"] == nil ? UTCTimestamp.day(BudgetPeriod.month.start(containing: now)) : nil)
        let by = parameters["by"] ?? "tenant"
        let query: SpendQuery
        do {
            query = try SpendQuery(by: by, since: since, until: parameters["until"], tenant: tenant, key: parameters["key"])
        } catch {
            throw ConsoleProblem.badInput("\(error)")
        }
        guard ["csv", nil].contains(parameters["format"]) else { throw ConsoleProblem.badInput("format must be csv") }
        let rows = try await visit.committedLedger("a spend report") { try await $0.spend(query) }
        if parameters["format"] == "csv" {
            return .download(
                SpendReportFormat.csv.render(rows, groupBy: query.groupBy) + "\n", contentType: "text/csv; charset=utf-8",
                filename: "spend.csv")
        }
        let locale = visit.locale
        var csv = URLComponents()
        csv.path = "/console/spend"
        csv.queryItems =
            [
                ("by", by), ("since", since), ("until", parameters["until"]), ("tenant", visit.isAdmin ? tenant : nil),
                ("key", parameters["key"]),
            ]
            .compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } } + [URLQueryItem(name: "format", value: "csv")]
        var values = SpendTable.values(rows, groupBy: query.groupBy, locale: locale)
        values["id"] = "spend"
        values["by"] = by
        values["since"] = since ?? ""
        values["until"] = parameters["until"] ?? ""
        values["tenant"] = tenant ?? ""
        values["key"] = parameters["key"] ?? ""
        values["admin"] = visit.isAdmin
        values["csvHref"] = csv.string ?? "/console/spend?format=csv"
        // Grouped by day alone: the days as bars, in the reporting currency.
        if query.groupBy == [.day] {
            let currency = visit.gateway.configuration.currency.reportingCurrency
            let points = rows.filter { $0.currency == currency }.map { row in
                ConsoleChart.Point(
                    label: String((row.groups.first ?? "").suffix(5)), value: NSDecimalNumber(decimal: row.cost).doubleValue,
                    display: locale.money(row.cost, currency))
            }
            values["chart"] = ConsoleChart.bars(points, title: "\(locale.text("spend")) (\(currency))", id: "spend-chart")
        }
        return .page(ConsoleView(title: locale.text("spend"), template: "spend", values: values))
    }
}
