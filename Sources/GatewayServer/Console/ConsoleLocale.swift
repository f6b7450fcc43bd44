import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// The console's languages: English and Simplified Chinese. Chosen by `?lang=` (remembered in a
/// cookie), then the cookie, then `Accept-Language`; English otherwise.
enum ConsoleLocale: String, Sendable, CaseIterable {
    case english = "en"
    case chinese = "zh-Hans"

    /// Each language in its own words, for the switch.
    var ownName: String {
        switch self {
        case .english: "English"
        case .chinese: "简体中文"
        }
    }

    var other: ConsoleLocale { self == .english ? .chinese : .english }

    static func negotiate(asked: String?, remembered: String?, acceptLanguage: String?) -> ConsoleLocale {
        if let asked, let locale = named(asked) { return locale }
        if let remembered, let locale = named(remembered) { return locale }
        // The first language the browser names that the console speaks (weights are in order in practice).
        for range in (acceptLanguage ?? "").split(separator: ",") {
            let tag = range.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            if tag.hasPrefix("zh") { return .chinese }
            if tag.hasPrefix("en") { return .english }
        }
        return .english
    }

    static func named(_ tag: String) -> ConsoleLocale? {
        let lower = tag.lowercased()
        if lower == "en" || lower.hasPrefix("en-") { return .english }
        if lower.hasPrefix("zh") { return .chinese }
        return nil
    }

    /// Every message in this language, by key (templates read them as `{{t.key}}`).
    var texts: [String: String] {
        switch self {
        case .english: ConsoleText.english
        case .chinese: ConsoleText.chinese
        }
    }

    /// A message by key (the key itself when a message is missing, which the tests catch).
    func text(_ key: String) -> String { texts[key] ?? key }

    // MARK: Numbers and dates

    /// `1,234,567` (both languages group by thousands with commas).
    func number(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    /// An amount with its currency: two decimals, more for amounts under one unit (a cheap
    /// model's cost is often fractions of a cent).
    func money(_ amount: Decimal, _ currency: String) -> String {
        let places = amount.magnitude >= 1 || amount == 0 ? 2 : 6
        var rounded = Decimal()
        var value = amount
        NSDecimalRound(&rounded, &value, places, .plain)
        let text = NSDecimalNumber(decimal: rounded.magnitude).stringValue
        let parts = text.split(separator: ".", maxSplits: 1)
        let whole = number(Int(parts.first ?? "0") ?? 0)
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        if fraction.count < 2 { fraction += String(repeating: "0", count: 2 - fraction.count) }
        return (amount < 0 ? "-" : "") + whole + "." + fraction + " " + currency
    }

    /// A UTC day: `Nov 30, 2026` or `2026年11月30日`.
    func day(_ text: String) -> String {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]) else { return text }
        switch self {
        case .english: return "\(Self.months[parts[1] - 1]) \(parts[2]), \(parts[0])"
        case .chinese: return "\(parts[0])年\(parts[1])月\(parts[2])日"
        }
    }

    /// A UTC month (`2026-11`): `Nov 2026` or `2026年11月`.
    func month(_ text: String) -> String {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2, (1...12).contains(parts[1]) else { return text }
        switch self {
        case .english: return "\(Self.months[parts[1] - 1]) \(parts[0])"
        case .chinese: return "\(parts[0])年\(parts[1])月"
        }
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
}
