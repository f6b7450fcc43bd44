import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// Charts drawn on the server as SVG: readable without JavaScript, with a title and a text
/// alternative for screen readers, each bar's exact value in its tooltip.
enum ConsoleChart {
    struct Point {
        var label: String
        var value: Double
        /// The value as the page writes it (`12.34 USD`).
        var display: String
    }

    static let width = 900.0
    static let height = 260.0
    private static let left = 64.0
    private static let bottom = 28.0
    private static let top = 12.0

    /// Vertical bars, one per point, labelled every few bars so labels never overlap.
    static func bars(_ points: [Point], title: String, id: String) -> String {
        let plotWidth = width - left - 8
        let plotHeight = height - bottom - top
        let highest = max(points.map(\.value).max() ?? 0, .leastNonzeroMagnitude)
        let slot = points.isEmpty ? plotWidth : plotWidth / Double(points.count)
        let labelEvery = max(1, Int((Double(points.count) / 10).rounded(.up)))
        var svg = open(title: title, id: id)
        svg += axis(highest: highest, plotWidth: plotWidth, plotHeight: plotHeight)
        for (index, point) in points.enumerated() {
            let barHeight = point.value / highest * plotHeight
            let x = left + Double(index) * slot + slot * 0.15
            svg += """
                <rect x="\(f(x))" y="\(f(top + plotHeight - barHeight))" width="\(f(slot * 0.7))" height="\(f(barHeight))" fill="#2457c5"><title>\(ConsoleHTML.escape(point.label)): \(ConsoleHTML.escape(point.display))</title></rect>
                """
            if index % labelEvery == 0 {
                svg += """
                    <text x="\(f(x + slot * 0.35))" y="\(f(height - 8))" font-size="11" text-anchor="middle" fill="#5b6475">\(ConsoleHTML.escape(point.label))</text>
                    """
            }
        }
        return svg + "</svg>"
    }

    /// A burn-down: what remains of `limit` after each point's cumulative spend, against the
    /// straight line of an even pace to the period's end (`days` long).
    static func burnDown(_ cumulative: [Point], limit: Double, days: Int, title: String, id: String) -> String {
        let plotWidth = width - left - 8
        let plotHeight = height - bottom - top
        let highest = max(limit, .leastNonzeroMagnitude)
        let step = plotWidth / Double(max(1, days))
        func y(_ remaining: Double) -> Double { top + plotHeight - max(0, remaining) / highest * plotHeight }
        var svg = open(title: title, id: id)
        svg += axis(highest: highest, plotWidth: plotWidth, plotHeight: plotHeight)
        svg += """
            <line x1="\(f(left))" y1="\(f(y(limit)))" x2="\(f(left + plotWidth))" y2="\(f(y(0)))" stroke="#b9c0cc" stroke-dasharray="5 4"/>
            """
        var path = "M\(f(left)) \(f(y(limit)))"
        for (index, point) in cumulative.enumerated() {
            path += " L\(f(left + Double(index + 1) * step)) \(f(y(limit - point.value)))"
        }
        svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"#2457c5\" stroke-width=\"2.5\"/>"
        for (index, point) in cumulative.enumerated() {
            svg += """
                <circle cx="\(f(left + Double(index + 1) * step))" cy="\(f(y(limit - point.value)))" r="3" fill="#2457c5"><title>\(ConsoleHTML.escape(point.label)): \(ConsoleHTML.escape(point.display))</title></circle>
                """
        }
        return svg + "</svg>"
    }

    private static func open(title: String, id: String) -> String {
        """
        <svg class="chart" id="\(ConsoleHTML.escape(id))" viewBox="0 0 \(f(width)) \(f(height))" role="img" aria-labelledby="\(ConsoleHTML.escape(id))-title" xmlns="http://www.w3.org/2000/svg"><title id="\(ConsoleHTML.escape(id))-title">\(ConsoleHTML.escape(title))</title>
        """
    }

    /// The vertical axis: zero, half and the top, with grid lines.
    private static func axis(highest: Double, plotWidth: Double, plotHeight: Double) -> String {
        var svg = ""
        for fraction in [0.0, 0.5, 1.0] {
            let y = top + plotHeight - fraction * plotHeight
            svg += """
                <line x1="\(f(left))" y1="\(f(y))" x2="\(f(left + plotWidth))" y2="\(f(y))" stroke="#eceef2"/><text x="\(f(left - 6))" y="\(f(y + 4))" font-size="11" text-anchor="end" fill="#5b6475">\(ConsoleHTML.escape(short(highest * fraction)))</text>
                """
        }
        return svg
    }

    /// `1.2k`, `3.4M`: an axis needs only the size of a number.
    static func short(_ value: Double) -> String {
        switch value {
        case 1e6...: String(format: "%.1fM", value / 1e6)
        case 1e3...: String(format: "%.1fk", value / 1e3)
        case 1...: String(format: "%.0f", value)
        case 0: "0"
        default: String(format: "%.3g", value)
        }
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value.isFinite ? value : 0) }
}
