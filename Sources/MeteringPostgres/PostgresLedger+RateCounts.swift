import Foundation
public import Metering
import PostgresNIO

extension PostgresLedger: RateWindowStore {
    /// One statement: this replica's buckets upserted, buckets older than two minutes dropped,
    /// the other replicas' totals over the last minute read.
    public func exchangeRateCounts(_ buckets: [RateBucket], scopes: [String], replica: String, now: Date) async throws
        -> [String: RateTotals]
    {
        let second = Int64(now.timeIntervalSince1970)
        var bindings = PostgresBindings()
        bindings.append(buckets.map(\.scope))
        bindings.append(buckets.map { Int64($0.second) })
        bindings.append(buckets.map { Int64($0.requests) })
        bindings.append(buckets.map { Int64($0.tokens) })
        bindings.append(replica)
        bindings.append(scopes)
        bindings.append(second)
        // The upsert and the delete run beside the read (data-modifying CTEs): the read sees the
        // table as it was, which is all it needs — it leaves this replica's rows out anyway.
        let sql = """
            WITH stored AS (
                INSERT INTO rate_counts (scope, second, replica, requests, tokens)
                SELECT scope, second, $5, requests, tokens FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
                    AS b (scope, second, requests, tokens)
                ON CONFLICT (scope, second, replica) DO UPDATE SET requests = EXCLUDED.requests, tokens = EXCLUDED.tokens
            ), expired AS (
                DELETE FROM rate_counts WHERE second < $7 - 120
            )
            SELECT scope, SUM(requests)::bigint, SUM(tokens)::bigint FROM rate_counts
            WHERE scope = ANY($6::text[]) AND second > $7 - 60 AND replica <> $5
            GROUP BY scope
            """
        do {
            var totals: [String: RateTotals] = [:]
            let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            for try await (scope, requests, tokens) in rows.decode((String, Int64, Int64).self) {
                totals[scope] = RateTotals(requests: Int(requests), tokens: Int(tokens))
            }
            return totals
        } catch {
            throw PostgresLedgerError("the ledger database refused rate-limit counts: \(Self.reason(error))")
        }
    }
}
