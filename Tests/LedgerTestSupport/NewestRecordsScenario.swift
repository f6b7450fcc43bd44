import Foundation
import Metering

/// Pages of newest records, as both ledgers must give them: every record once, newest first,
/// ties in one second ordered by id byte by byte — whether a page reads the time index (no
/// filter) or merges each dimension row's newest (a tenant, a provider). Ids mix `-` and `_`,
/// which database collations order differently.
public enum NewestRecordsScenario {
    /// Stores the scenario's records through `make` (id, tenant, provider), then pages through
    /// each filter 25 at a time: what each gave, and what it should have.
    public static func run(on ledger: any Ledger, make: (String, String, String) -> UsageRecord) async throws -> [(
        got: [String], expected: [String]
    )] {
        let records = (0..<240).map { n -> UsageRecord in
            var record = make(n % 2 == 0 ? "req-\(n)_a" : "req_\(n)-b", ["bank", "clinic", "city"][n % 3], n % 4 < 2 ? "deepseek" : "qwen")
            record.time = Date(timeIntervalSince1970: 1_790_000_000 + Double(n / 7))
            return record
        }
        try await ledger.insertUsage(records)
        let filters: [(UsageFilter, (UsageRecord) -> Bool)] = [
            (UsageFilter(), { _ in true }), (UsageFilter(tenant: "clinic"), { $0.tenant == "clinic" }),
            (UsageFilter(provider: "qwen"), { $0.provider == "qwen" }), (UsageFilter(tenant: "nobody"), { _ in false }),
        ]
        var results: [(got: [String], expected: [String])] = []
        for (filter, keep) in filters {
            let expected = records.filter(keep).sorted { a, b in
                a.time != b.time ? a.time > b.time : Array(b.id.utf8).lexicographicallyPrecedes(Array(a.id.utf8))
            }
            results.append((try await pages(ledger, filter), expected.map(\.id)))
        }
        return results
    }

    static func pages(_ ledger: any Ledger, _ filter: UsageFilter) async throws -> [String] {
        var ids: [String] = []
        var cursor: UsageCursor?
        while true {
            let page = try await ledger.latestUsageRecords(filter, before: cursor, limit: 25)
            ids += page.map(\.id)
            guard page.count == 25, let last = page.last else { return ids }
            cursor = UsageCursor(time: last.time, id: last.id)
        }
    }
}
