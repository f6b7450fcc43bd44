import Foundation
import Metering
import MeteringSQLite
import Testing

/// Stored Responses API conversations in the SQLite ledger: kept per tenant, gone once expired
/// or deleted (the PostgreSQL ledger runs the same checks in MeteringPostgresTests).
@Suite struct ResponseStoreTests {
    static func stored(_ id: String, tenant: String = "bank", expires: TimeInterval = 3600) -> StoredResponse {
        let now = Date()
        return StoredResponse(
            id: id, tenant: tenant, createdAt: now, expiresAt: now.addingTimeInterval(expires),
            items: #"[{"role":"user","content":"hi"},{"type":"message","role":"assistant","content":[]}]"#, inputCount: 1,
            response: #"{"id":"\#(id)","object":"response"}"#)
    }

    @Test func aTenantReadsOnlyItsOwnUntilTheyExpire() async throws {
        let ledger = try await SQLiteLedger.open(path: ":memory:")
        try await ledger.migrate()
        let kept = Self.stored("resp_1")
        try await ledger.saveResponse(kept)
        try await ledger.saveResponse(Self.stored("resp_2", expires: -1))
        let found = try #require(try await ledger.storedResponse(id: "resp_1", tenant: "bank", now: Date()))
        #expect(found.items == kept.items && found.inputCount == 1 && found.response == kept.response)
        #expect(Int(found.expiresAt.timeIntervalSince1970) == Int(kept.expiresAt.timeIntervalSince1970))
        #expect(try await ledger.storedResponse(id: "resp_1", tenant: "clinic", now: Date()) == nil)
        #expect(try await ledger.storedResponse(id: "resp_2", tenant: "bank", now: Date()) == nil)  // expired
        #expect(try await ledger.deleteStoredResponse(id: "resp_1", tenant: "clinic") == false)
        #expect(try await ledger.deleteExpiredResponses(now: Date()) == 1)
        #expect(try await ledger.deleteStoredResponse(id: "resp_1", tenant: "bank"))
        #expect(try await ledger.storedResponse(id: "resp_1", tenant: "bank", now: Date()) == nil)
        try await ledger.close()
    }
}
