import Foundation
import Logging
import Metering
import MeteringSQLite
import Testing

@Suite struct KeyTests {
    @Test func keysAreRandomAndOnlyTheirHashIsStored() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ledger.db").path

        let ledger = try await SQLiteLedger.open(path: path)
        try await ledger.migrate()
        try await ledger.migrate()  // idempotent
        let first = VirtualKey.generate()
        let second = VirtualKey.generate()
        #expect(first.plaintext != second.plaintext)
        #expect(first.plaintext.hasPrefix("sy-"))
        try await ledger.insertKey(VirtualKeyRecord(id: first.id, tenant: "bank", hash: first.hash))
        try await ledger.insertKey(VirtualKeyRecord(id: second.id, tenant: "clinic", hash: second.hash))
        try await ledger.checkWritable()
        try await ledger.close()

        let bytes =
            try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
        #expect(bytes.range(of: Data(first.plaintext.utf8)) == nil, "the plaintext key must not be stored")

        let reopened = try await SQLiteLedger.open(path: path)
        let keys = KeyDirectory()
        let refresher = KeyDirectoryRefresher(directory: keys, ledger: reopened, logger: .init(label: "test"))
        try await refresher.refresh()
        #expect(try await keys.authenticate(first.plaintext) == AuthenticatedKey(id: first.id, tenant: "bank"))
        #expect(try await keys.authenticate(second.plaintext)?.tenant == "clinic")
        #expect(try await keys.authenticate(first.plaintext + "x") == nil)
        #expect(try await keys.authenticate("") == nil)
        try await reopened.close()
    }

    @Test func hashIsHexSHA256() {
        #expect(VirtualKey.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func aKeyNewToTheCopyIsLookedUpInTheLedgerAndAnUnknownOneRemembered() async throws {
        let ledger = try await SQLiteLedger.open(path: ":memory:")
        try await ledger.migrate()
        let keys = KeyDirectory(ledger: ledger, unknownFor: .seconds(60))
        let key = VirtualKey.generate()
        #expect(try await keys.authenticate(key.plaintext) == nil)
        // Created elsewhere (another replica, the CLI): unknown tokens are remembered for a while…
        try await ledger.insertKey(VirtualKeyRecord(id: key.id, tenant: "bank", hash: key.hash))
        #expect(try await keys.authenticate(key.plaintext) == nil)
        // …but a key never presented before is found at once, and kept.
        let second = VirtualKey.generate()
        try await ledger.insertKey(VirtualKeyRecord(id: second.id, tenant: "clinic", hash: second.hash))
        #expect(try await keys.authenticate(second.plaintext)?.tenant == "clinic")
        #expect(keys.count == 1)
        // A refresh forgets what was unknown.
        keys.replace(with: try await ledger.activeKeys())
        #expect(try await keys.authenticate(key.plaintext)?.tenant == "bank")
        try await ledger.close()
    }

    @Test func aLedgerThatDoesNotAnswerIsALookupFailureNotAnUnknownKey() async throws {
        let keys = KeyDirectory(ledger: SilentLedger(), lookupDeadline: .milliseconds(50))
        await #expect(throws: KeyLookupFailure.self) { try await keys.authenticate("sy-anything") }
    }

    @Test func aFloodOfNewTokensIsNotAFloodOfQueries() async throws {
        let keys = KeyDirectory(ledger: SilentLedger(), lookupDeadline: .milliseconds(600))
        await withTaskGroup(of: Void.self) { group in
            for n in 0..<16 { group.addTask { _ = try? await keys.authenticate("sy-waiting-\(n)") } }
            try? await Task.sleep(for: .milliseconds(200))
            // Sixteen lookups wait on the database: the next new token is turned away at once.
            let started = ContinuousClock.now
            await #expect(throws: KeyLookupFailure.self) { try await keys.authenticate("sy-one-more") }
            #expect(ContinuousClock.now - started < .milliseconds(200))
        }
    }

    @Test func fixedKeysAuthenticateWithoutTheLedger() async throws {
        let keys = KeyDirectory(fixedKeys: [VirtualKey.hash("demo"): AuthenticatedKey(id: "k", tenant: "t")])
        #expect(try await keys.authenticate("demo")?.tenant == "t")
        #expect(try await keys.authenticate("demo2") == nil)
    }
}

/// A ledger whose database never answers (a network partition): every call waits until cancelled.
private struct SilentLedger: ForwardingLedger {
    struct Unanswered: Error {}
    var inner: any Ledger { self }  // never reached: `forward` passes nothing on
    func forward<Result: Sendable>(_ call: @Sendable (any Ledger) async throws -> Result) async throws -> Result {
        try await Task.sleep(for: .seconds(3600))
        throw Unanswered()
    }
}
