public import Foundation
import GatewayModel

/// Which usage records a report or export reads.
public struct UsageFilter: Sendable, Hashable {
    /// Inclusive.
    public var since: Date?
    /// Exclusive.
    public var until: Date?
    public var tenant: String?
    public var keyID: String?
    public var route: String?
    public var provider: String?
    public var model: String?
    /// One request's attempts.
    public var requestID: String?

    public init(
        since: Date? = nil, until: Date? = nil, tenant: String? = nil, keyID: String? = nil, route: String? = nil,
        provider: String? = nil, model: String? = nil, requestID: String? = nil
    ) {
        self.since = since
        self.until = until
        self.tenant = tenant
        self.keyID = keyID
        self.route = route
        self.provider = provider
        self.model = model
        self.requestID = requestID
    }
}

/// Where a page of records newest first ends: the next page starts before it.
public struct UsageCursor: Sendable, Hashable {
    public var time: Date
    public var id: String

    public init(time: Date, id: String) {
        self.time = time
        self.id = id
    }
}

/// A field spend can be grouped by (`--by tenant,day`).
public enum SpendDimension: String, Sendable, Hashable, CaseIterable {
    case tenant, key, route, operation, provider, model, region, day, month
}

/// A spend report's question: totals of the records `filter` selects, per combination of `groupBy`.
public struct SpendQuery: Sendable, Hashable {
    public var groupBy: [SpendDimension]
    public var filter: UsageFilter

    public init(groupBy: [SpendDimension], filter: UsageFilter = .init()) {
        self.groupBy = groupBy
        self.filter = filter
    }
}

/// One line of a spend report. `cost` is in the reporting currency; records priced in a
/// currency without an `fx` rate are totalled in their own currency, on their own rows.
public struct SpendRow: Sendable, Hashable {
    /// The group's value per dimension, in the query's order.
    public var groups: [String]
    public var requests: Int
    /// The totals of the summed fields (`UsageRecord.summedFields`: tokens, search units), in order.
    public var totals: [Int]
    public var cost: Decimal
    public var currency: String
    /// The attempts counted by condition (``UsageRecordsSQL/counts``: failed, after the first), in order.
    public var counts: [Int]

    public init(groups: [String], requests: Int, totals: [Int], cost: Decimal, currency: String, counts: [Int] = []) {
        self.groups = groups
        self.requests = requests
        self.totals = totals
        self.cost = cost
        self.currency = currency
        self.counts = counts
    }

    /// Attempts that failed (a provider error, a stream cut off).
    public var failedAttempts: Int { counts.first ?? 0 }
    /// Attempts after a request's first: fallbacks and hedges.
    public var laterAttempts: Int { counts.count > 1 ? counts[1] : 0 }

    /// The total of the summed field `name` (0 when there is none such).
    public func total(_ name: String) -> Int {
        UsageRecord.summedFields.firstIndex { $0.name == name }.flatMap { totals.indices.contains($0) ? totals[$0] : nil } ?? 0
    }

    public var inputTokens: Int { total("input_tokens") }
    public var cachedInputTokens: Int { total("cached_input_tokens") }
    public var outputTokens: Int { total("output_tokens") }
    /// What cached reads saved against the plain input price, in `currency`.
    public var cacheSavings: Decimal { Money.amount(nanos: Int64(clamping: total("cache_savings"))) }
}

extension SpendRow {
    /// Rows of reports over adjoining ranges added up per group and currency, in group order.
    public static func merged(_ rows: [SpendRow]) -> [SpendRow] {
        var totals: [[String]: SpendRow] = [:]
        for row in rows {
            let key = row.groups + [row.currency]
            guard var total = totals[key] else {
                totals[key] = row
                continue
            }
            total.requests = total.requests.saturatingAdding(row.requests)
            total.totals = zip(total.totals, row.totals).map { $0.saturatingAdding($1) }
            total.counts = zip(total.counts, row.counts).map { $0.saturatingAdding($1) }
            total.cost += row.cost
            totals[key] = total
        }
        return totals.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.value)
    }
}

extension UsageFilter {
    /// The records a report or a listing reads, from its options as the CLI, the admin API and
    /// the console all name them (`since`, `until`: a day or an ISO 8601 time); throws naming the
    /// first that doesn't parse, or a range that ends before it starts.
    public init(parsingSince since: String?, until: String?, tenant: String?, key: String?) throws(SpendQueryError) {
        func date(_ text: String?, _ name: String) throws(SpendQueryError) -> Date? {
            guard let text else { return nil }
            guard let date = SpendReportFormat.date(text) else {
                throw SpendQueryError("\(name) '\(text)' is not a date (YYYY-MM-DD) or an ISO 8601 time")
            }
            return date
        }
        self.init(since: try date(since, "since"), until: try date(until, "until"), tenant: tenant, keyID: key)
        if let since, let until, let start = self.since, let end = self.until, end < start {
            throw SpendQueryError("until '\(until)' is before since '\(since)'")
        }
    }
}

extension SpendQuery {
    /// A report's question from its options as the CLI, the admin API and the console all name
    /// them; throws naming the first that doesn't parse. `by` defaults to `tenant`.
    public init(by: String?, since: String?, until: String?, tenant: String?, key: String?) throws(SpendQueryError) {
        let groupBy: [SpendDimension]
        do {
            groupBy = try SpendReportFormat.dimensions(by ?? "tenant")
        } catch let error as SpendQueryError {
            throw error
        } catch {
            throw SpendQueryError("\(error)")
        }
        self.init(groupBy: groupBy, filter: try UsageFilter(parsingSince: since, until: until, tenant: tenant, key: key))
    }
}
