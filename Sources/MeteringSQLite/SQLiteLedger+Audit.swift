import Foundation
public import Metering
import SQLiteNIO

extension SQLiteLedger: AuditStore {
    static let auditTable = """
        CREATE TABLE audit_log (
            sequence INTEGER PRIMARY KEY,
            time_seconds INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            detail TEXT NOT NULL,
            source TEXT NOT NULL,
            previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )
        """

    private static let columns = "sequence, time_seconds, actor, action, subject, detail, source, previous_hash, hash"

    public func lastAuditEntry() async throws -> AuditEntry? {
        try await connection.query("SELECT \(Self.columns) FROM audit_log ORDER BY sequence DESC LIMIT 1").first.map(Self.entry)
    }

    public func insertAuditEntry(_ entry: AuditEntry) async throws -> Bool {
        // OR IGNORE: a sequence another writer took leaves this insert without a row.
        let rows = try await connection.query(
            "INSERT OR IGNORE INTO audit_log (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING sequence",
            [
                .integer(Int(entry.sequence)), .integer(Int(entry.time.timeIntervalSince1970)), .text(entry.actor),
                .text(entry.action), .text(entry.subject), .text(entry.detail), .text(entry.source), .text(entry.previousHash),
                .text(entry.hash),
            ])
        return !rows.isEmpty
    }

    public func auditEntries(from sequence: Int64, limit: Int) async throws -> [AuditEntry] {
        try await connection.query(
            "SELECT \(Self.columns) FROM audit_log WHERE sequence >= ? ORDER BY sequence LIMIT ?",
            [.integer(Int(sequence)), .integer(limit)]
        ).map(Self.entry)
    }

    /// A stored row as it stands (an edited value is read as it is, so `verify` names the row).
    private static func entry(_ row: SQLiteRow) -> AuditEntry {
        func text(_ column: String) -> String { row.column(column)?.string ?? row.column(column)?.description ?? "" }
        return AuditEntry(
            sequence: Int64(row.column("sequence")?.integer ?? 0),
            time: Date(timeIntervalSince1970: Double(row.column("time_seconds")?.integer ?? 0)), actor: text("actor"),
            action: text("action"), subject: text("subject"), detail: text("detail"),
            source: text("source"), previousHash: text("previous_hash"), hash: text("hash"))
    }
}
