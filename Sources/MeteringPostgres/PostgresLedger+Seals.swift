import Foundation
public import Metering
import PostgresNIO

extension PostgresLedger: SealStore {
    static let sealsTable = """
        CREATE TABLE usage_seals (
            day text PRIMARY KEY,
            records bigint NOT NULL,
            hash text NOT NULL,
            sealed_at bigint NOT NULL
        )
        """

    public func daySeals() async throws -> [DaySeal] {
        let rows = try await client.query("SELECT day, records, hash, sealed_at FROM usage_seals ORDER BY day", logger: logger)
        var seals: [DaySeal] = []
        for try await (day, records, hash, sealedAt) in rows.decode((String, Int64, String, Int64).self) {
            seals.append(
                DaySeal(day: day, records: Int(records), hash: hash, sealedAt: Date(timeIntervalSince1970: Double(sealedAt))))
        }
        return seals
    }

    public func insertDaySeal(_ seal: DaySeal) async throws -> Bool {
        // ON CONFLICT DO NOTHING: a day another replica sealed first leaves this insert without a row.
        let rows = try await client.query(
            """
            INSERT INTO usage_seals (day, records, hash, sealed_at)
            VALUES (\(seal.day), \(Int64(seal.records)), \(seal.hash), \(Int64(seal.sealedAt.timeIntervalSince1970)))
            ON CONFLICT (day) DO NOTHING RETURNING day
            """, logger: logger)
        return try await rows.collect().count > 0
    }

    public func earliestUsageTime() async throws -> Date? {
        // The day totals know the oldest day without reading every record.
        let rows = try await client.query("SELECT min(day)::text FROM usage_daily", logger: logger)
        for try await day in rows.decode(String?.self) {
            return try day.map { try Date("\($0)T00:00:00Z", strategy: .iso8601) }
        }
        return nil
    }
}
