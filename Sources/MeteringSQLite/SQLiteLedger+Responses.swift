import Foundation
public import Metering
import SQLiteNIO

extension SQLiteLedger: ResponseStore {
    public func saveResponse(_ response: StoredResponse) async throws {
        _ = try await connection.query(
            "INSERT OR REPLACE INTO stored_responses (id, tenant, created_at, expires_at, items, input_count, response) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                .text(response.id), .text(response.tenant), .integer(Int(response.createdAt.timeIntervalSince1970)),
                .integer(Int(response.expiresAt.timeIntervalSince1970)), .text(response.items), .integer(response.inputCount),
                .text(response.response),
            ])
    }

    public func storedResponse(id: String, tenant: String, now: Date) async throws -> StoredResponse? {
        let rows = try await connection.query(
            "SELECT id, tenant, created_at, expires_at, items, input_count, response FROM stored_responses WHERE id = ? AND tenant = ? AND expires_at > ?",
            [.text(id), .text(tenant), .integer(Int(now.timeIntervalSince1970))])
        return rows.first.flatMap { row in
            guard let id = row.column("id")?.string, let tenant = row.column("tenant")?.string,
                let created = row.column("created_at")?.integer, let expires = row.column("expires_at")?.integer,
                let items = row.column("items")?.string, let inputCount = row.column("input_count")?.integer,
                let response = row.column("response")?.string
            else { return nil }
            return StoredResponse(
                id: id, tenant: tenant, createdAt: Date(timeIntervalSince1970: Double(created)),
                expiresAt: Date(timeIntervalSince1970: Double(expires)), items: items, inputCount: inputCount, response: response)
        }
    }

    public func deleteStoredResponse(id: String, tenant: String) async throws -> Bool {
        let rows = try await connection.query(
            "DELETE FROM stored_responses WHERE id = ? AND tenant = ? RETURNING id", [.text(id), .text(tenant)])
        return !rows.isEmpty
    }

    public func deleteExpiredResponses(now: Date) async throws -> Int {
        let rows = try await connection.query(
            "DELETE FROM stored_responses WHERE expires_at <= ? RETURNING id", [.integer(Int(now.timeIntervalSince1970))])
        return rows.count
    }
}
