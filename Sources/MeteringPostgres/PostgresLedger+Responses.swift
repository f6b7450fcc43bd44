import Foundation
public import Metering
import PostgresNIO

extension PostgresLedger: ResponseStore {
    public func saveResponse(_ response: StoredResponse) async throws {
        try await client.query(
            """
            INSERT INTO stored_responses (id, tenant, created_at, expires_at, items, input_count, response)
            VALUES (\(response.id), \(response.tenant), \(response.createdAt), \(response.expiresAt), \(response.items),
                \(response.inputCount), \(response.response))
            ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at, items = EXCLUDED.items,
                input_count = EXCLUDED.input_count, response = EXCLUDED.response
            """, logger: logger)
    }

    public func storedResponse(id: String, tenant: String, now: Date) async throws -> StoredResponse? {
        let rows = try await client.query(
            """
            SELECT id, tenant, created_at, expires_at, items, input_count, response FROM stored_responses
            WHERE id = \(id) AND tenant = \(tenant) AND expires_at > \(now)
            """, logger: logger)
        for try await (id, tenant, created, expires, items, inputCount, response) in rows.decode(
            (String, String, Date, Date, String, Int, String).self)
        {
            return StoredResponse(
                id: id, tenant: tenant, createdAt: created, expiresAt: expires, items: items, inputCount: inputCount, response: response)
        }
        return nil
    }

    public func deleteStoredResponse(id: String, tenant: String) async throws -> Bool {
        let rows = try await client.query(
            "DELETE FROM stored_responses WHERE id = \(id) AND tenant = \(tenant) RETURNING id", logger: logger)
        return try await rows.collect().count > 0
    }

    public func deleteExpiredResponses(now: Date) async throws -> Int {
        let rows = try await client.query("DELETE FROM stored_responses WHERE expires_at <= \(now) RETURNING id", logger: logger)
        return try await rows.collect().count
    }
}
