import Foundation

/// A spending cap: `{ amount: 50, currency: USD, period: month }` on a tenant, or
/// `--budget 5USD/day` on a key. Enforced by reserving each request's maximum cost first.
public struct Budget: Sendable, Hashable, CustomStringConvertible {
    public var amount: Decimal
    public var currency: String
    public var period: BudgetPeriod

    public init(amount: Decimal, currency: String, period: BudgetPeriod) {
        self.amount = amount
        self.currency = currency
        self.period = period
    }

    /// The largest amount a budget, price or rate may have: money is kept in nano-units in 64
    /// bits, which hold about 9.2 billion.
    public static let largestAmount: Decimal = 9_000_000_000

    /// `5USD/day`, `50 USD/month`, `100CNY/total`; nil when it doesn't parse.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let period = BudgetPeriod(rawValue: String(parts[1]).lowercased()) else { return nil }
        let money = parts[0].filter { $0 != " " }
        let digits = money.prefix { $0.isNumber || $0 == "." }
        let currency = money.dropFirst(digits.count).uppercased()
        guard !digits.isEmpty, let amount = Decimal(string: String(digits)), amount > 0, amount <= Self.largestAmount,
            currency.count == 3,
            currency.allSatisfy({ $0.isLetter })
        else { return nil }
        self.init(amount: amount, currency: currency, period: period)
    }

    /// `5 USD/day`.
    public var description: String { "\(NSDecimalNumber(decimal: amount).stringValue) \(currency)/\(period.rawValue)" }
}

/// The window a budget applies to, in UTC: a calendar day, an ISO week (from Monday), a
/// calendar month, or all time.
public enum BudgetPeriod: String, Sendable, Hashable, CaseIterable {
    case day, week, month, total

    /// When the period containing `date` began (the distant past for `total`).
    public func start(containing date: Date) -> Date {
        interval(containing: date)?.start ?? Date(timeIntervalSince1970: 0)
    }

    /// When the period containing `date` ends and the next begins (nil for `total`, which never does).
    public func end(containing date: Date) -> Date? {
        interval(containing: date)?.end
    }

    private func interval(containing date: Date) -> DateInterval? {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        switch self {
        case .day: return calendar.dateInterval(of: .day, for: date)
        case .week: return calendar.dateInterval(of: .weekOfYear, for: date)
        case .month: return calendar.dateInterval(of: .month, for: date)
        case .total: return nil
        }
    }
}

/// Requests and tokens per minute (`limits: { rpm: 600, tpm: 200000 }`); nil fields are unlimited.
public struct RateLimits: Sendable, Hashable {
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?

    public init(requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil) {
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
    }

    public var isEmpty: Bool { requestsPerMinute == nil && tokensPerMinute == nil }

    /// What `rpm` and `tpm` may be, in `Routes/`, the CLI and the admin API alike.
    public static let requestsPerMinuteRange = 1...10_000_000
    public static let tokensPerMinuteRange = 1...1_000_000_000
}
