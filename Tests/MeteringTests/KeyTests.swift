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

        let bytes = try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
        #expect(bytes.range(of: Data(first.plaintext.utf8)) == nil, "the plaintext key must not be stored")

        let reopened = try await SQLiteLedger.open(path: path)
        let keys = KeyDirectory()
        let refresher = KeyDirectoryRefresher(directory: keys, ledger: reopened, logger: .init(label: "test"))
        try await refresher.refresh()
        #expect(keys.authenticate(first.plaintext) == AuthenticatedKey(id: first.id, tenant: "bank"))
        #expect(keys.authenticate(second.plaintext)?.tenant == "clinic")
        #expect(keys.authenticate(first.plaintext + "x") == nil)
        #expect(keys.authenticate("") == nil)
        try await reopened.close()
    }

    @Test func hashIsHexSHA256() {
        #expect(VirtualKey.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func fixedKeysAuthenticateWithoutTheLedger() {
        let keys = KeyDirectory(fixedKeys: [VirtualKey.hash("demo"): AuthenticatedKey(id: "k", tenant: "t")])
        #expect(keys.authenticate("demo")?.tenant == "t")
        #expect(keys.authenticate("demo2") == nil)
    }
}
