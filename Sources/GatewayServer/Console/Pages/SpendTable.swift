import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// Spend rows as the console shows them: amounts per locale, each cell's exact value in
/// `data-value` (what the browser tests compare with `switchyard spend --format json`).
enum SpendTable {
    /// The table's header and rows as HTML, written here rather than by the template engine: a
    /// report by tenant and day over a quarter has thousands of cells, and a template costs
    /// ~10 µs a cell where this costs well under one.
    static func values(_ rows: [SpendRow], groupBy: [SpendDimension], locale: ConsoleLocale) -> [String: Any] {
        let summed = UsageRecord.summedFields.map(\.name)
        var head = "<tr>"
        for dimension in groupBy { head += "<th scope=\"col\">\(ConsoleHTML.escape(locale.text(dimension.rawValue)))</th>" }
        for name in ["requests"] + summed + ["cost"] {
            head += "<th scope=\"col\" class=\"num\">\(ConsoleHTML.escape(locale.text(name)))</th>"
        }
        head += "</tr>"
        var body = ""
        body.reserveCapacity(rows.count * 400)
        for row in rows {
            body += "<tr>"
            for (dimension, value) in zip(groupBy, row.groups) {
                let shown =
                    switch dimension {
                    case .day: locale.day(value)
                    case .month: locale.month(value)
                    default: value
                    }
                body += "<td data-value=\"\(ConsoleHTML.escape(value))\">\(ConsoleHTML.escape(shown))</td>"
            }
            body += "<td class=\"num\" data-value=\"\(row.requests)\">\(locale.number(row.requests))</td>"
            for (field, total) in zip(UsageRecord.summedFields, row.totals) {
                if field.kind == .money {  // cache savings, in the row's currency like its cost
                    let amount = Money.amount(nanos: Int64(clamping: total))
                    body += "<td class=\"num\" data-value=\"\(Money.text(amount)) \(ConsoleHTML.escape(row.currency))\">"
                    body += "\(ConsoleHTML.escape(locale.money(amount, row.currency)))</td>"
                } else {
                    body += "<td class=\"num\" data-value=\"\(total)\">\(locale.number(total))</td>"
                }
            }
            body += "<td class=\"num\" data-value=\"\(Money.text(row.cost)) \(ConsoleHTML.escape(row.currency))\">"
            body += "\(ConsoleHTML.escape(locale.money(row.cost, row.currency)))</td></tr>"
        }
        return ["head": head, "body": body, "empty": rows.isEmpty]
    }

    /// Amounts added up per currency, in currency order.
    static func perCurrency(_ amounts: [(currency: String, amount: Decimal)]) -> [(currency: String, amount: Decimal)] {
        Dictionary(amounts.map { ($0.currency, $0.amount) }, uniquingKeysWith: +).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// A report's rows' costs per currency.
    static func costs(_ rows: [SpendRow]) -> [(currency: String, amount: Decimal)] {
        perCurrency(rows.map { ($0.currency, $0.cost) })
    }

    /// Totals per currency, written as the page shows amounts (`12.34 USD · 3.00 CNY`).
    static func total(_ amounts: [(currency: String, amount: Decimal)], locale: ConsoleLocale) -> String {
        let totals = perCurrency(amounts)
        guard !totals.isEmpty else { return locale.money(0, "").trimmingCharacters(in: .whitespaces) }
        return totals.map { locale.money($0.amount, $0.currency) }.joined(separator: " · ")
    }

    static let template = """
        <div class="table-wrap"><table id="{{id}}">
        <thead>{{{head}}}</thead>
        <tbody>{{{body}}}</tbody>
        </table></div>
        {{#empty}}<p class="hint">{{t.nothing_yet}}</p>{{/empty}}
        """
}
