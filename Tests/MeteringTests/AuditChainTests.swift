import Foundation
import Metering
import MeteringSQLite
import Testing

@Suite struct AuditChainTests {
    @Test func concurrentAppendsMakeOneUnbrokenChain() async throws {
        let ledger = try await SQLiteLedger.open(path: ":memory:")
        try await ledger.migrate()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for number in 0..<40 {
                group.addTask {
                    try await AuditChain.append(
                        AuditDraft(actor: "admin", action: .keyCreated, subject: "key_\(number)", detail: ["tenant": "bank"]), to: ledger)
                }
            }
            try await group.waitForAll()
        }
        let entries = try await ledger.auditEntries(from: 1, limit: 100)
        #expect(entries.map(\.sequence) == Array(1...40))
        #expect(Set(entries.map(\.subject)).count == 40)
        #expect(entries[0].previousHash == AuditChain.genesis)
        let (checked, found) = try await AuditChain.verify(ledger, pageSize: 7)
        #expect(checked == 40 && found == nil)
        try await ledger.close()
    }

    @Test func anyChangeToAnEntryBreaksItsHash() {
        let first = AuditChain.make(
            AuditDraft(actor: "cli", action: .keyRevoked, subject: "key_a", source: "local"), after: nil,
            at: Date(timeIntervalSince1970: 1000))
        let second = AuditChain.make(
            AuditDraft(actor: "admin", action: .keyCreated, subject: "key_b", detail: ["tenant": "city"], source: "10.0.0.1"), after: first,
            at: Date(timeIntervalSince1970: 2000))
        var verifier = AuditChain.Verifier()
        #expect(verifier.check(first) == nil && verifier.check(second) == nil)
        // Fields can't borrow from their neighbours: moving text between two fields changes the hash.
        var shifted = second
        (shifted.actor, shifted.action) = ("admi", "nkey.created")
        #expect(AuditChain.hash(of: shifted) != second.hash)
        for edit in [\AuditEntry.actor, \.subject, \.detail, \.source] {
            var edited = second
            edited[keyPath: edit] += "x"
            var check = AuditChain.Verifier()
            _ = check.check(first)
            #expect(check.check(edited)?.sequence == 2)
        }
        var skipping = AuditChain.Verifier()
        #expect(skipping.check(second)?.description == "entry 1: missing (the next entry stored is 2)")
    }
}
