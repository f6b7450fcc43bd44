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

    @Test func withoutAStoreNothingIsKept() async throws {
        let keeper = ResponseKeeper(store: nil, logger: Logger(label: "test"))
        #expect(!keeper.canStore)
        keeper.keep(Self.response("resp_1", expiresIn: 3600))
        #expect(try await keeper.find(id: "resp_1", tenant: "bank") == nil)
    }
}
