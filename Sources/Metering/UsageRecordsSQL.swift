public import Foundation

/// The queries both ledgers run over their `usage_records` view — a filter, a spend report,
/// a whole record's columns — written once. Each ledger says how its SQL spells a parameter,
/// a day and a month, and binds the values.
public enum UsageRecordsSQL {
    /// A value a query binds, in the order of its placeholders.
    public enum Value: Sendable, Hashable {
        case time(Date)
        case text(String)
    }

    /// How one database spells what differs between them.
    public struct Dialect: Sendable {
        /// The n-th parameter (from 1): `?` or `$n`.
        public var placeholder: @Sendable (Int) -> String
        /// `time` as `YYYY-MM-DD` and as `YYYY-MM`.
        public var day: String
        public var month: String
        /// A column's total, as the ledger reads it back (`SUM(x)`, or as text where it may outgrow an integer).
        public var sum: @Sendable (String) -> String

        public init(
            placeholder: @escaping @Sendable (Int) -> String, day: String, month: String,
            sum: @escaping @Sendable (String) -> String = { "SUM(\($0))" }
        ) {
            self.placeholder = placeholder
            self.day = day
            self.month = month
            self.sum = sum
        }
    }

    /// The columns of `usage_records`: a whole record, as `ledger export` reads it.
    public static let columns = UsageRecord.fields.map(\.column)

    /// The query behind the `usage_records` view: a whole record from the two tables that keep
    /// it (``UsageDimensions``), its columns in the declaration's order.
    public static let recordsView =
        "SELECT "
        + UsageRecord.fields.map { ($0.place == .dimension ? "d." : "a.") + $0.column }.joined(separator: ", ")
        + " FROM usage_attempts a JOIN usage_dimensions d ON d.id = a.dimensions"

    /// The `usage_records` view, as both ledgers create it.
    public static let createRecordsView = "CREATE VIEW usage_records AS " + recordsView

    /// Dimension rows are unique over every dimension field (the upserts' `ON CONFLICT` target).
    public static let createIdentityIndex =
        "CREATE UNIQUE INDEX usage_dimensions_identity ON usage_dimensions (\(UsageDimensions.columns.joined(separator: ", ")))"

    /// A field's column declaration given its database's `type`: an added column needs the
    /// standard value as its default, for the rows stored before it existed.
    public static func columnDeclaration(_ field: UsageField, type: String) -> String {
        field.optional ? type : "\(type) NOT NULL DEFAULT \(standardLiteral(field))"
    }

    /// `value` as an SQL literal (a column's default for the rows stored before it existed).
    static func literal(_ value: UsageValue) -> String {
        switch value {
        case .null: "NULL"
        case .text(let text): "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        case .integer(let number): String(number)
        case .boolean(let flag): flag ? "TRUE" : "FALSE"
        case .time(let time): "'" + UTCTimestamp.text(time) + "'"
        }
    }

    /// What rows stored before `field` existed hold: its standard value, or the zero of its kind.
    static func standardLiteral(_ field: UsageField) -> String {
        if let standard = field.standard { return literal(standard) }
        return switch field.kind {
        case .text: "''"
        case .time: "'1970-01-01T00:00:00Z'"
        case .integer, .money: "0"
        case .boolean: "FALSE"
        }
    }

    /// `WHERE …` for `filter` (empty when it selects every record), and its values.
    public static func whereClause(_ filter: UsageFilter, in dialect: Dialect) -> (sql: String, values: [Value]) {
        var conditions: [String] = []
        var values: [Value] = []
        func condition(_ column: String, _ comparison: String, _ value: Value) {
            values.append(value)
            conditions.append("\(column) \(comparison) \(dialect.placeholder(values.count))")
        }
        if let since = filter.since { condition("time", ">=", .time(since)) }
        if let until = filter.until { condition("time", "<", .time(until)) }
        if let tenant = filter.tenant { condition("tenant", "=", .text(tenant)) }
        if let keyID = filter.keyID { condition("key_id", "=", .text(keyID)) }
        if let route = filter.route { condition("route", "=", .text(route)) }
        if let provider = filter.provider { condition("provider", "=", .text(provider)) }
        if let model = filter.model { condition("model", "=", .text(model)) }
        if let requestID = filter.requestID { condition("request_id", "=", .text(requestID)) }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), values)
    }

    /// Every record `filter` selects, in time order.
    public static func records(_ filter: UsageFilter, in dialect: Dialect) -> (sql: String, values: [Value]) {
        let (clause, values) = whereClause(filter, in: dialect)
        return ("SELECT \(columns.joined(separator: ", ")) FROM usage_records \(clause) ORDER BY time, id", values)
    }

    /// At most `limit` records `filter` selects, newest first, from before `cursor` (the last
    /// record of the page before).
    public static func latest(_ filter: UsageFilter, before cursor: UsageCursor?, limit: Int, in dialect: Dialect) -> (
        sql: String, values: [Value]
    ) {
        var (clause, values) = whereClause(filter, in: dialect)
        if let cursor {
            values += [.time(cursor.time), .time(cursor.time), .text(cursor.id)]
            let (a, b, c) = (
                dialect.placeholder(values.count - 2), dialect.placeholder(values.count - 1), dialect.placeholder(values.count)
            )
            clause += (clause.isEmpty ? "WHERE " : " AND ") + "(time < \(a) OR (time = \(b) AND id < \(c)))"
        }
        return (
            "SELECT \(columns.joined(separator: ", ")) FROM usage_records \(clause) ORDER BY time DESC, id DESC LIMIT \(max(0, limit))",
            values
        )
    }

    /// Attempts a report counts besides the summed fields, by condition: those that failed, and
    /// those after a request's first (fallbacks and hedges) — the console's error rate and
    /// fallbacks. The day totals keep them as columns of these names.
    public static let counts: [AttemptCount] = [
        AttemptCount("failed_attempts") { "\($0)outcome IN ('failed', 'interrupted')" },
        AttemptCount("later_attempts") { "\($0)attempt > 1" },
    ]

    /// Attempts counted by a condition on their columns.
    public struct AttemptCount: Sendable {
        public let column: String
        private let test: @Sendable (String) -> String

        init(_ column: String, _ test: @escaping @Sendable (String) -> String) {
            self.column = column
            self.test = test
        }

        /// The condition over the record's columns.
        public var condition: String { test("") }
        /// The condition over the columns of `row` (`NEW` in a trigger).
        public func condition(of row: String) -> String { test(row + ".") }
    }

    /// `filter`'s range split into whole UTC days (read from the day totals) and the partial days
    /// around them (read from the records): a report over months reads a row per day and
    /// dimension row instead of every record.
    public static func spendParts(of filter: UsageFilter) -> [(UsageFilter, SpendSource)] {
        // Day totals know no request id; such a report reads records.
        guard filter.requestID == nil else { return [(filter, .records)] }
        let firstWholeDay = filter.since.map { Date(timeIntervalSince1970: ($0.timeIntervalSince1970 / 86_400).rounded(.up) * 86_400) }
        let endOfWholeDays = filter.until.map { Date(timeIntervalSince1970: ($0.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400) }
        if let firstWholeDay, let endOfWholeDays, firstWholeDay >= endOfWholeDays {
            return [(filter, .records)]  // within one day, or two partial ones
        }
        var parts: [(UsageFilter, SpendSource)] = []
        var whole = filter
        whole.since = firstWholeDay
        whole.until = endOfWholeDays
        parts.append((whole, .dailyTotals))
        if let since = filter.since, let firstWholeDay, since < firstWholeDay {
            var head = filter
            head.until = firstWholeDay
            parts.append((head, .records))
        }
        if let until = filter.until, let endOfWholeDays, endOfWholeDays < until {
            var tail = filter
            tail.since = endOfWholeDays
            parts.append((tail, .records))
        }
        return parts
    }

    /// What a spend report reads.
    public enum SpendSource: Sendable {
        /// `usage_records`: every record.
        case records
        /// `usage_daily_records` (PostgreSQL): totals per UTC day and dimension row, with the same
        /// columns summed, `day` and `month` as text and `time` the day's start — the same answer
        /// for a range of whole days.
        case dailyTotals
    }

    /// A spend report: per group, columns `g0`, `g1`… (one per dimension of `query`),
    /// `spend_currency`, `requests`, one per summed field (`input_tokens`…), `cost_nanos`, one per
    /// count (``counts``).
    public static func spend(_ query: SpendQuery, in dialect: Dialect, from source: SpendSource = .records) -> (
        sql: String, values: [Value]
    ) {
        let daily = source == .dailyTotals
        let groups = query.groupBy.map { dimension in
            switch dimension {
            case .tenant, .route, .operation, .provider, .model, .region: dimension.rawValue
            case .key: "key_id"
            case .day: daily ? "day" : dialect.day
            case .month: daily ? "month" : dialect.month
            }
        }
        // Records whose price converts are totalled in the reporting currency; the others in their own.
        let currency = daily ? "spend_currency" : "CASE WHEN reporting_cost_nanos IS NULL THEN currency ELSE reporting_currency END"
        let selected = groups.enumerated().map { "\($0.element) AS g\($0.offset)" } + ["\(currency) AS spend_currency"]
        let (filter, values) = whereClause(query.filter, in: dialect)
        let grouping = (groups.indices.map { "g\($0)" } + ["spend_currency"]).joined(separator: ", ")
        let sql = """
            SELECT \(selected.joined(separator: ", ")), \(dialect.sum(daily ? "requests" : "1")) AS requests,
                \(UsageRecord.summedFields.map { "\(dialect.sum($0.column)) AS \($0.column)" }.joined(separator: ", ")),
                \(dialect.sum(daily ? "cost_nanos" : "COALESCE(reporting_cost_nanos, cost_nanos)")) AS cost_nanos,
                \(counts.map { "\(dialect.sum(daily ? $0.column : "CASE WHEN \($0.condition) THEN 1 ELSE 0 END")) AS \($0.column)" }.joined(separator: ", "))
            FROM \(daily ? "usage_daily_records" : "usage_records") \(filter)
            GROUP BY \(grouping) ORDER BY \(grouping)
            """
        return (sql, values)
    }
}
