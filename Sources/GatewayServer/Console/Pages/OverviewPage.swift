import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// `/console`: spend today, this month and the month's forecast; budgets; spend by day for 30
/// days; the top tenants, routes, providers and models this month.
enum OverviewPage {
    static let template = """
        <section class="cards" aria-label="{{t.spend}}">
        {{#cards}}<div class="card" id="{{id}}"><div class="label">{{label}}</div><div class="value" data-value="{{value}}">{{text}}</div></div>{{/cards}}
        </section>
        <h2>{{t.spend_by_day}}</h2>
        {{{chart}}}
        {{#hasBudgets}}<h2>{{t.budgets}}</h2>
        <div class="table-wrap"><table id="overview-budgets"><thead><tr><th scope="col">{{t.scope}}</th><th scope="col" class="num">{{t.limit}}</th><th scope="col" class="num">{{t.spent}}</th><th scope="col" class="num">{{t.forecast_month}}</th></tr></thead>
        <tbody>{{#budgets}}<tr><td>{{scope}}</td><td class="num">{{limit}}</td><td class="num" data-value="{{spentValue}}">{{spent}}</td><td class="num">{{forecast}}</td></tr>{{/budgets}}</tbody></table></div>{{/hasBudgets}}
        <div class="grid">
        {{#tops}}<section><h2>{{title}}</h2>
        <div class="table-wrap"><table id="{{id}}"><tbody>{{#rows}}<tr><td>{{name}}</td><td class="num">{{requests}}</td><td class="num" data-value="{{value}}">{{cost}}</td></tr>{{/rows}}</tbody></table></div>
        {{^rows}}<p class="hint">{{t.nothing_yet}}</p>{{/rows}}
        </section>{{/tops}}
        </div>
        """

    static func view(_ visit: ConsoleVisit, now: Date = Date()) async throws -> ConsoleDraw {
        let tenant = try visit.scopedTenant(asked: visit.parameters["tenant"])
        let locale = visit.locale
        let day = BudgetPeriod.day.start(containing: now)
        let month = BudgetPeriod.month.start(containing: now)
        let monthEnd = BudgetPeriod.month.end(containing: now) ?? now
        let thirtyDays = day.addingTimeInterval(-29 * 86_400)
        func query(_ groupBy: [SpendDimension], since: Date) -> SpendQuery {
            SpendQuery(groupBy: groupBy, filter: UsageFilter(since: since, tenant: tenant))
        }
        let tops: [(SpendDimension, String)] =
            (visit.isAdmin && tenant == nil ? [(.tenant, "top_tenants")] : [])
            + [(.route, "top_routes"), (.provider, "top_providers"), (.model, "top_models")]
        let queries =
            [query([], since: day), query([], since: month), query([.day], since: thirtyDays)] + tops.map { query([$0.0], since: month) }
        let answers = try await visit.committedLedger("the console overview") { ledger in
            var answers: [[SpendRow]] = []
            for query in queries { answers.append(try await ledger.spend(query)) }
            return answers
        }
        let (today, thisMonth, daily) = (answers[0], answers[1], answers[2])

        // The month's forecast: this month's pace so far, to its end.
        let elapsed = max(1.0 / 24, now.timeIntervalSince(month) / 86_400)
        let length = monthEnd.timeIntervalSince(month) / 86_400
        let pace = Decimal(length / elapsed)
        let forecast = thisMonth.map {
            SpendRow(groups: [], requests: $0.requests, totals: $0.totals, cost: $0.cost * pace, currency: $0.currency)
        }
        let requests = thisMonth.reduce(0) { $0.saturatingAdding($1.requests) }
        let failed = thisMonth.reduce(0) { $0.saturatingAdding($1.failedAttempts) }
        let later = thisMonth.reduce(0) { $0.saturatingAdding($1.laterAttempts) }
        let errorRate = requests == 0 ? "—" : String(format: "%.2f%%", Double(failed) * 100 / Double(requests))
        let cards: [[String: Any]] = [
            [
                "id": "spend-today", "label": locale.text("spend_today"), "text": SpendTable.total(SpendTable.costs(today), locale: locale),
                "value": exact(today),
            ],
            [
                "id": "spend-month", "label": locale.text("spend_month"),
                "text": SpendTable.total(SpendTable.costs(thisMonth), locale: locale),
                "value": exact(thisMonth),
            ],
            [
                "id": "forecast-month", "label": locale.text("forecast_month"),
                "text": SpendTable.total(SpendTable.costs(forecast), locale: locale),
                "value": exact(forecast),
            ],
            ["id": "requests-month", "label": locale.text("requests_month"), "text": locale.number(requests), "value": String(requests)],
            ["id": "error-rate", "label": locale.text("failed_month"), "text": errorRate, "value": String(failed)],
            ["id": "fallbacks", "label": locale.text("fallbacks"), "text": locale.number(later), "value": String(later)],
        ]

        // Spend by day in the reporting currency, every one of the 30 days drawn (empty ones at zero).
        let currency = visit.gateway.configuration.currency.reportingCurrency
        var byDay: [String: Decimal] = [:]
        for row in daily where row.currency == currency { byDay[row.groups.first ?? "", default: 0] += row.cost }
        let points = (0..<30).map { offset -> ConsoleChart.Point in
            let name = UTCTimestamp.day(thirtyDays.addingTimeInterval(Double(offset) * 86_400))
            let cost = byDay[name] ?? 0
            return ConsoleChart.Point(
                label: String(name.suffix(5)), value: NSDecimalNumber(decimal: cost).doubleValue, display: locale.money(cost, currency))
        }
        let chart = ConsoleChart.bars(points, title: "\(locale.text("spend_by_day")) (\(currency))", id: "spend-by-day")

        let budgets = try await BudgetsPage.lines(visit, tenant: tenant, now: now).lines.map { standing -> [String: Any] in
            let spentForecast = standing.periodLength.map { standing.spent * Decimal($0 / max(1.0 / 24, standing.elapsedDays)) }
            return [
                "scope": standing.name, "limit": locale.money(standing.limit, standing.currency),
                "spent": locale.money(standing.spent, standing.currency), "spentValue": Money.text(standing.spent),
                "forecast": spentForecast.map { locale.money($0, standing.currency) } ?? "—",
            ]
        }
        let topTables = zip(tops, answers.dropFirst(3)).map { top, rows -> [String: Any] in
            let sorted = rows.sorted { $0.cost > $1.cost }.prefix(5)
            return [
                "id": top.1.replacingOccurrences(of: "_", with: "-"), "title": locale.text(top.1),
                "rows": sorted.map { row -> [String: Any] in
                    [
                        "name": row.groups.first ?? "", "requests": locale.number(row.requests),
                        "cost": locale.money(row.cost, row.currency),
                        "value": "\(Money.text(row.cost)) \(row.currency)",
                    ]
                },
            ]
        }
        return .page(
            ConsoleView(
                title: locale.text("overview"), template: "overview",
                values: ["cards": cards, "chart": chart, "budgets": budgets, "hasBudgets": !budgets.isEmpty, "tops": topTables]))
    }

    /// Amounts per currency, exact: `0.0123 USD;4 CNY`.
    static func exact(_ rows: [SpendRow]) -> String {
        SpendTable.costs(rows).map { "\(Money.text($0.amount)) \($0.currency)" }.joined(separator: ";")
    }
}
