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
    static func values(_ rows: [SpendRow], groupBy: [SpendDimension], locale: ConsoleLocale) -> [String: Any] {
        let summed = UsageRecord.summedFields.map(\.name)
        let columns: [[String: Any]] =
            groupBy.map { ["label": locale.text($0.rawValue == "key" ? "key" : $0.rawValue), "numeric": false] }
            + (["requests"] + summed + ["cost"]).map { ["label": locale.text($0), "numeric": true] }
        let lines = rows.map { row -> [String: Any] in
            let groups = zip(groupBy, row.groups).map { dimension, value -> [String: Any] in
                let shown =
                    switch dimension {
                    case .day: locale.day(value)
                    case .month: locale.month(value)
                    default: value
                    }
                return ["text": shown, "value": value, "numeric": false]
            }
            let counts = ([row.requests] + row.totals).map { ["text": locale.number($0), "value": String($0), "numeric": true] }
            let cost: [String: Any] = [
                "text": locale.money(row.cost, row.currency), "value": "\(Money.text(row.cost)) \(row.currency)", "numeric": true,
            ]
            return ["cells": groups + counts + [cost]]
        }
        return ["columns": columns, "rows": lines, "empty": rows.isEmpty]
    }

    /// Totals per currency, written as the page shows amounts (`12.34 USD · 3.00 CNY`).
    static func total(_ rows: [SpendRow], locale: ConsoleLocale) -> String {
        let byCurrency = Dictionary(grouping: rows, by: \.currency).mapValues { $0.reduce(Decimal(0)) { $0 + $1.cost } }
        guard !byCurrency.isEmpty else { return locale.money(0, "").trimmingCharacters(in: .whitespaces) }
        return byCurrency.sorted { $0.key < $1.key }.map { locale.money($0.value, $0.key) }.joined(separator: " · ")
    }

    static let template = """
        <div class="table-wrap"><table id="{{id}}">
        <thead><tr>{{#columns}}<th scope="col"{{#numeric}} class="num"{{/numeric}}>{{label}}</th>{{/columns}}</tr></thead>
        <tbody>{{#rows}}<tr>{{#cells}}<td{{#numeric}} class="num"{{/numeric}} data-value="{{value}}">{{text}}</td>{{/cells}}</tr>{{/rows}}</tbody>
        </table></div>
        {{#empty}}<p class="hint">{{t.nothing_yet}}</p>{{/empty}}
        """
}
