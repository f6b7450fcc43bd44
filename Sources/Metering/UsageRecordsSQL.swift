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
        /// A text compared byte by byte (record ids order the same in every database and in Swift).
        public var byteOrder: @Sendable (String) -> String

        public init(
            placeholder: @escaping @Sendable (Int) -> String, day: String, month: String,
            sum: @escaping @Sendable (String) -> String = { "SUM(\($0))" },
            byteOrder: @escaping @Sendable (String) -> String = { $0 }
        ) {
            self.placeholder = placeholder
            self.day = day
            self.month = month
            self.sum = sum
            self.byteOrder = byteOrder
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

    /// `WHERE …` for `filter` (empty when it selects every record), and its values. Over the day
    /// totals the range is whole days, compared as the `day` text itself (a computed time would
    /// hide the table's key from the database).
    public static func whereClause(_ filter: UsageFilter, in dialect: Dialect, source: SpendSource = .records) -> (
        sql: String, values: [Value]
    ) {
        var conditions: [String] = []
        var values: [Value] = []
        func condition(_ column: String, _ comparison: String, _ value: Value) {
            values.append(value)
            conditions.append("\(column) \(comparison) \(dialect.placeholder(values.count))")
        }
        switch source {
        case .records:
            if let since = filter.since { condition("time", ">=", .time(since)) }
            if let until = filter.until { condition("time", "<", .time(until)) }
        case .dailyTotals:
            if let since = filter.since { condition("day", ">=", .text(UTCTimestamp.day(since))) }
            if let until = filter.until { condition("day", "<", .text(UTCTimestamp.day(until))) }
        }
        for (column, value) in dimensionValues(filter) { condition(column, "=", .text(value)) }
        if let requestID = filter.requestID { condition("request_id", "=", .text(requestID)) }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), values)
    }

    /// Every record `filter` selects, in time order.
    public static func records(_ filter: UsageFilter, in dialect: Dialect) -> (sql: String, values: [Value]) {
        let (clause, values) = whereClause(filter, in: dialect)
        return ("SELECT \(columns.joined(separator: ", ")) FROM usage_records \(clause) ORDER BY time, id", values)
    }

    /// At most `limit` records `filter` selects, newest first, from before `cursor` (the last
    /// record of the page before). Given the ids of the dimension rows the filter's tenant, key,
    /// route, provider or model select (``dimensionIDs(_:in:)``), each row's newest are read
    /// from the `(dimensions, time)` index and merged — a rare tenant's page never waits for a
    /// scan through everyone else's records.
    public static func latest(
        _ filter: UsageFilter, before cursor: UsageCursor?, limit: Int, dimensions: [Int64]? = nil, in dialect: Dialect
    ) -> (sql: String, values: [Value]) {
        let limit = max(0, limit)
        let order = "ORDER BY time DESC, \(dialect.byteOrder("id")) DESC LIMIT \(limit)"
        var values: [Value] = []
        func placeholder(_ value: Value) -> String {
            values.append(value)
            return dialect.placeholder(values.count)
        }
        /// The range, request and cursor, over columns named with `prefix`.
        func conditions(_ prefix: String) -> [String] {
            var conditions: [String] = []
            if let since = filter.since { conditions.append("\(prefix)time >= \(placeholder(.time(since)))") }
            if let until = filter.until { conditions.append("\(prefix)time < \(placeholder(.time(until)))") }
            if let requestID = filter.requestID { conditions.append("\(prefix)request_id = \(placeholder(.text(requestID)))") }
            if let cursor {
                let (a, b, c) = (placeholder(.time(cursor.time)), placeholder(.time(cursor.time)), placeholder(.text(cursor.id)))
                conditions.append(
                    "(\(prefix)time < \(a) OR (\(prefix)time = \(b) AND \(dialect.byteOrder(prefix + "id")) < \(dialect.byteOrder(c))))")
            }
            return conditions
        }
        guard let dimensions else {
            var wheres: [String] = []
            for (column, value) in dimensionValues(filter) { wheres.append("\(column) = \(placeholder(.text(value)))") }
            wheres += conditions("")
            let clause = wheres.isEmpty ? "" : "WHERE " + wheres.joined(separator: " AND ")
            return ("SELECT \(columns.joined(separator: ", ")) FROM usage_records \(clause) \(order)", values)
        }
        let selected = UsageRecord.fields.map { ($0.place == .dimension ? "d." : "a.") + $0.column + " AS " + $0.column }
        let parts = dimensions.enumerated().map { index, id in
            let wheres = ["a.dimensions = \(id)"] + conditions("a.")
            return """
                SELECT * FROM (SELECT \(selected.joined(separator: ", ")) FROM usage_attempts a JOIN usage_dimensions d ON d.id = a.dimensions
                WHERE \(wheres.joined(separator: " AND ")) ORDER BY a.time DESC, \(dialect.byteOrder("a.id")) DESC LIMIT \(limit)) AS part\(index)
                """
        }
        guard !parts.isEmpty else { return ("SELECT \(columns.joined(separator: ", ")) FROM usage_records WHERE 1 = 0", []) }
        return ("SELECT \(columns.joined(separator: ", ")) FROM (\(parts.joined(separator: " UNION ALL "))) AS newest \(order)", values)
    }

    /// The ids of the dimension rows `filter`'s tenant, key, route, provider and model select, or
    /// nil when it names none of them.
    public static func dimensionIDs(_ filter: UsageFilter, in dialect: Dialect) -> (sql: String, values: [Value])? {
        let named = dimensionValues(filter)
        guard !named.isEmpty else { return nil }
        let conditions = named.enumerated().map { "\($0.element.column) = \(dialect.placeholder($0.offset + 1))" }
        return (
            "SELECT id FROM usage_dimensions WHERE \(conditions.joined(separator: " AND ")) ORDER BY id", named.map { .text($0.value) }
        )
    }

    /// The dimension columns `filter` names, with their values.
    static func dimensionValues(_ filter: UsageFilter) -> [(column: String, value: String)] {
        [
            ("tenant", filter.tenant), ("key_id", filter.keyID), ("route", filter.route), ("provider", filter.provider),
            ("model", filter.model),
        ].compactMap { column, value in value.map { (column, $0) } }
    }

    /// At most this many dimension rows are merged by ``latest(_:before:limit:dimensions:in:)``;
    /// a filter selecting more reads the time index instead.
    public static let mergedDimensionsLimit = 64

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
        let (filter, values) = whereClause(query.filter, in: dialect, source: source)
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
