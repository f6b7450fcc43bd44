import Foundation
public import Metering
import PostgresNIO

extension PostgresLedger: AuditStore {
    static let auditTable = """
        CREATE TABLE audit_log (
            sequence bigint PRIMARY KEY,
            time_seconds bigint NOT NULL,
            actor text NOT NULL,
            action text NOT NULL,
            subject text NOT NULL,
            detail text NOT NULL,
            source text NOT NULL,
            previous_hash text NOT NULL,
            hash text NOT NULL
        )
        """

    public func lastAuditEntry() async throws -> AuditEntry? {
        let rows = try await client.query(
            """
            SELECT sequence, time_seconds, actor, action, subject, detail, source, previous_hash, hash
            FROM audit_log ORDER BY sequence DESC LIMIT 1
            """, logger: logger)
        return try await Self.entries(rows).first
    }

    public func insertAuditEntry(_ entry: AuditEntry) async throws -> Bool {
        // ON CONFLICT DO NOTHING: a sequence another replica took leaves this insert without a row.
        let rows = try await client.query(
            """
            INSERT INTO audit_log (sequence, time_seconds, actor, action, subject, detail, source, previous_hash, hash)
            VALUES (\(entry.sequence), \(Int64(entry.time.timeIntervalSince1970)), \(entry.actor), \(entry.action), \(entry.subject),
                \(entry.detail), \(entry.source), \(entry.previousHash), \(entry.hash))
            ON CONFLICT (sequence) DO NOTHING RETURNING sequence
            """, logger: logger)
        return try await rows.collect().count > 0
    }

    public func auditEntries(from sequence: Int64, limit: Int) async throws -> [AuditEntry] {
        let rows = try await client.query(
            """
            SELECT sequence, time_seconds, actor, action, subject, detail, source, previous_hash, hash
            FROM audit_log WHERE sequence >= \(sequence) ORDER BY sequence LIMIT \(limit)
            """, logger: logger)
        return try await Self.entries(rows)
    }

    private static func entries(_ rows: PostgresRowSequence) async throws -> [AuditEntry] {
        var entries: [AuditEntry] = []
        for try await (sequence, time, actor, action, subject, detail, source, previous, hash) in rows.decode(
            (Int64, Int64, String, String, String, String, String, String, String).self)
        {
            entries.append(
                AuditEntry(
                    sequence: sequence, time: Date(timeIntervalSince1970: Double(time)), actor: actor, action: action, subject: subject,
                    detail: detail, source: source, previousHash: previous, hash: hash))
        }
        return entries
    }
}
