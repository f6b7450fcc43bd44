import Foundation
public import Metering
import SQLiteNIO

extension SQLiteLedger: SealStore {
    static let sealsTable = """
        CREATE TABLE usage_seals (
            day TEXT PRIMARY KEY,
            records INTEGER NOT NULL,
            hash TEXT NOT NULL,
            sealed_at INTEGER NOT NULL
        )
        """

    public func daySeals() async throws -> [DaySeal] {
        try await query("SELECT day, records, hash, sealed_at FROM usage_seals ORDER BY day").map { row in
            DaySeal(
                day: row.column("day")?.string ?? "", records: row.column("records")?.integer ?? 0,
                hash: row.column("hash")?.string ?? "",
                sealedAt: Date(timeIntervalSince1970: Double(row.column("sealed_at")?.integer ?? 0)))
        }
    }

    public func insertDaySeal(_ seal: DaySeal) async throws -> Bool {
        // OR IGNORE: a day another writer sealed first leaves this insert without a row.
        let rows = try await query(
            "INSERT OR IGNORE INTO usage_seals (day, records, hash, sealed_at) VALUES (?, ?, ?, ?) RETURNING day",
            [.text(seal.day), .integer(seal.records), .text(seal.hash), .integer(Int(seal.sealedAt.timeIntervalSince1970))])
        return !rows.isEmpty
    }

    public func earliestUsageTime() async throws -> Date? {
        try await query("SELECT min(time) AS time FROM usage_attempts").first?.column("time")?.string.flatMap(Self.date(from:))
    }
}
