import Foundation
import Logging
import Metering
import MeteringSQLite
import Testing

@testable import GatewayServer

/// Responses kept for `previous_response_id`: findable the moment they are handed over (the
/// save runs behind), per tenant, and swept once expired.
@Suite struct ResponseKeeperTests {
    static func response(_ id: String, expiresIn seconds: TimeInterval) -> StoredResponse {
        let now = Date()
        return StoredResponse(
            id: id, tenant: "bank", createdAt: now, expiresAt: now.addingTimeInterval(seconds), items: "[]", inputCount: 0,
            response: #"{"id":"\#(id)"}"#)
    }

    @Test func aKeptResponseIsFoundAtOnceAndAfterItsSave() async throws {
        let ledger = try await SQLiteLedger.open(path: ":memory:")
        try await ledger.migrate()
        let keeper = ResponseKeeper(store: ledger, logger: Logger(label: "test"))
        keeper.keep(Self.response("resp_1", expiresIn: 3600))
        #expect(try await keeper.find(id: "resp_1", tenant: "bank")?.id == "resp_1")  // saved or not yet
        #expect(try await keeper.find(id: "resp_1", tenant: "clinic") == nil)
        var saved: StoredResponse?
        for _ in 0..<100 where saved == nil {
            saved = try await ledger.storedResponse(id: "resp_1", tenant: "bank", now: Date())
            if saved == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(saved?.response == #"{"id":"resp_1"}"#)
        keeper.keep(Self.response("resp_old", expiresIn: -1))
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await keeper.find(id: "resp_old", tenant: "bank") == nil)
        #expect(try await keeper.sweep() == 1)
        #expect(try await keeper.delete(id: "resp_1", tenant: "bank"))
        #expect(try await keeper.delete(id: "resp_1", tenant: "bank") == false)
        try await ledger.close()
    }

    /// A store whose saves take a while, as a busy database's do.
    struct SlowStore: ResponseStore {
        let ledger: SQLiteLedger
        func saveResponse(_ response: StoredResponse) async throws {
            try await Task.sleep(for: .milliseconds(200))
            try await ledger.saveResponse(response)
        }
        func storedResponse(id: String, tenant: String, now: Date) async throws -> StoredResponse? {
            try await ledger.storedResponse(id: id, tenant: tenant, now: now)
        }
        func deleteStoredResponse(id: String, tenant: String) async throws -> Bool {
            try await ledger.deleteStoredResponse(id: id, tenant: tenant)
        }
        func deleteExpiredResponses(now: Date) async throws -> Int { try await ledger.deleteExpiredResponses(now: now) }
    }

    @Test func aResponseDeletedWhileItsSaveRunsStaysDeleted() async throws {
        let ledger = try await SQLiteLedger.open(path: ":memory:")
        try await ledger.migrate()
        let keeper = ResponseKeeper(store: SlowStore(ledger: ledger), logger: Logger(label: "test"))
        keeper.keep(Self.response("resp_1", expiresIn: 3600))
        #expect(try await keeper.delete(id: "resp_1", tenant: "bank"))  // before the save lands
        try await Task.sleep(for: .milliseconds(600))
        #expect(try await ledger.storedResponse(id: "resp_1", tenant: "bank", now: Date()) == nil)
        #expect(try await keeper.find(id: "resp_1", tenant: "bank") == nil)
        try await ledger.close()
    }

    @Test func withoutAStoreNothingIsKept() async throws {
        let keeper = ResponseKeeper(store: nil, logger: Logger(label: "test"))
        #expect(!keeper.canStore)
        keeper.keep(Self.response("resp_1", expiresIn: 3600))
        #expect(try await keeper.find(id: "resp_1", tenant: "bank") == nil)
    }
}
