import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// `/console/budgets`: every tenant and key budget the session may see, with spent, reserved
/// and remaining as the gateway enforces them now, and a burn-down for the period.
enum BudgetsPage {
    static let template = """
        {{#hasBudgets}}
        <div class="table-wrap"><table id="budgets">
        <thead><tr><th scope="col">{{t.scope}}</th><th scope="col">{{t.tenant}}</th><th scope="col">{{t.period}}</th><th scope="col" class="num">{{t.limit}}</th><th scope="col" class="num">{{t.spent}}</th><th scope="col" class="num">{{t.reserved}}</th><th scope="col" class="num">{{t.remaining}}</th></tr></thead>
        <tbody>{{#budgets}}<tr><td>{{name}}</td><td>{{tenant}}</td><td>{{period}}</td><td class="num">{{limit}}</td><td class="num" data-value="{{spentValue}}">{{spent}}</td><td class="num">{{reserved}}</td><td class="num">{{remaining}}</td></tr>{{/budgets}}</tbody>
        </table></div>
        <h2>{{t.burn_down}}</h2>
        <div class="grid">{{#charts}}<figure>{{{svg}}}<figcaption class="hint">{{caption}}</figcaption></figure>{{/charts}}</div>
        {{/hasBudgets}}
        {{^hasBudgets}}<p>{{t.no_budgets}}</p>{{/hasBudgets}}
        """

    /// One budget as it stands, in the reporting currency.
    struct Line {
        var name: String
        var scope: SpendScope
        var tenant: String
        var budget: Budget
        var limit: Decimal
        var spent: Decimal
        var reserved: Decimal
        var currency: String
        var periodStart: Date
        /// The period's length in days (nil for `total`, which never ends).
        var periodLength: Double?
        var elapsedDays: Double
    }

    /// The tenants' budgets (from `Routes/`) and the keys' budgets, held to `tenant`, as the
    /// gateway's budget book has them now.
    static func standings(_ visit: ConsoleVisit, tenant: String?, keys: [VirtualKeyRecord], now: Date) -> [Line] {
        let gateway = visit.gateway
        let currency = gateway.configuration.currency
        var scopes: [(String, SpendScope, String, Budget)] = gateway.configuration.tenants.compactMap { configured in
            configured.budget.map { ("\(visit.text("tenant")) \(configured.name)", .tenant(configured.name), configured.name, $0) }
        }
        scopes += keys.compactMap { key in key.budget.map { ("\(visit.text("key")) \(key.id)", .key(key.id), key.tenant, $0) } }
        return scopes.filter { tenant == nil || $0.2 == tenant }.map { name, scope, owner, budget in
            let balance = gateway.budgets.balance(of: scope)
            let start = budget.period.start(containing: now)
            let end = budget.period.end(containing: now)
            return Line(
                name: name, scope: scope, tenant: owner, budget: budget,
                limit: currency.convert(budget.amount, from: budget.currency) ?? budget.amount, spent: balance?.spent ?? 0,
                reserved: balance?.reserved ?? 0, currency: currency.reportingCurrency, periodStart: start,
                periodLength: end.map { $0.timeIntervalSince(start) / 86_400 }, elapsedDays: now.timeIntervalSince(start) / 86_400)
        }
    }

    /// Every budget the session may see, spent as the ledger has it for the period (what
    /// `switchyard spend` and the burn-down show; a `total` budget's as the gateway's budget book
    /// keeps it, without reading the whole ledger), and each budget's spend per day.
    static func lines(_ visit: ConsoleVisit, tenant: String?, now: Date) async throws -> (
        lines: [Line], daily: [SpendScope: [String: Decimal]]
    ) {
        let keys = try await visit.ledger("listing keys") { try await $0.activeKeys() }
        var lines = standings(visit, tenant: tenant, keys: keys, now: now)
        var daily: [SpendScope: [String: Decimal]] = [:]
        // Spend by day since the earliest period start among budgets that end.
        if let since = lines.filter({ $0.periodLength != nil }).map(\.periodStart).min() {
            let reporting = visit.gateway.configuration.currency.reportingCurrency
            let rows = try await visit.committedLedger("budget burn-down") { ledger in
                let byTenant = try await ledger.spend(
                    SpendQuery(groupBy: [.tenant, .day], filter: UsageFilter(since: since, tenant: tenant)))
                let byKey = try await ledger.spend(SpendQuery(groupBy: [.key, .day], filter: UsageFilter(since: since, tenant: tenant)))
                return (byTenant, byKey)
            }
            for row in rows.0 where row.currency == reporting {
                daily[.tenant(row.groups[0]), default: [:]][row.groups[1], default: 0] += row.cost
            }
            for row in rows.1 where row.currency == reporting {
                daily[.key(row.groups[0]), default: [:]][row.groups[1], default: 0] += row.cost
            }
        }
        for index in lines.indices where lines[index].periodLength != nil {
            let since = UTCTimestamp.day(lines[index].periodStart)
            lines[index].spent = (daily[lines[index].scope] ?? [:]).filter { $0.key >= since }.values.reduce(0, +)
        }
        return (lines, daily)
    }

    static func view(_ visit: ConsoleVisit, now: Date = Date()) async throws -> ConsoleDraw {
        let tenant = try visit.scopedTenant(asked: visit.parameters["tenant"])
        let locale = visit.locale
        let (lines, daily) = try await lines(visit, tenant: tenant, now: now)
        let ending = lines.filter { $0.periodLength != nil }
        let charts = ending.sorted { $0.spent / max($0.limit, 0.000_000_001) > $1.spent / max($1.limit, 0.000_000_001) }.prefix(12)
            .map { line -> [String: Any] in
                let days = Int((line.periodLength ?? 1).rounded())
                let elapsed = min(days, Int(line.elapsedDays.rounded(.down)) + 1)
                var total: Decimal = 0
                let points = (0..<elapsed).map { offset -> ConsoleChart.Point in
                    let day = UTCTimestamp.day(line.periodStart.addingTimeInterval(Double(offset) * 86_400))
                    total += daily[line.scope]?[day] ?? 0
                    return ConsoleChart.Point(
                        label: locale.day(day), value: NSDecimalNumber(decimal: total).doubleValue,
                        display: locale.money(total, line.currency))
                }
                let id = "burn-" + line.name.filter { $0.isLetter || $0.isNumber || $0 == "_" }
                return [
                    "svg": ConsoleChart.burnDown(
                        points, limit: NSDecimalNumber(decimal: line.limit).doubleValue, days: days,
                        title: "\(locale.text("burn_down")): \(line.name)",
                        id: id),
                    "caption": "\(line.name) — \(locale.money(line.limit, line.currency)) / \(line.budget.period.rawValue)",
                ]
            }
        let budgets = lines.map { line -> [String: Any] in
            [
                "name": line.name, "tenant": line.tenant, "period": line.budget.period.rawValue,
                "limit": locale.money(line.limit, line.currency), "spent": locale.money(line.spent, line.currency),
                "spentValue": Money.text(line.spent), "reserved": locale.money(line.reserved, line.currency),
                "remaining": locale.money(max(0, line.limit - line.spent - line.reserved), line.currency),
            ]
        }
        return .page(
            ConsoleView(
                title: locale.text("budgets"), template: "budgets",
                values: ["budgets": budgets, "hasBudgets": !budgets.isEmpty, "charts": Array(charts)]))
    }
}
