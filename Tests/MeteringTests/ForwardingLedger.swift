import Metering

/// A test double over a ledger: every call goes through ``forward(_:)`` to ``inner``. A double
/// overrides the one call it studies, or `forward` to change them all — written once here
/// instead of the whole protocol spelled out again by each.
protocol ForwardingLedger: Ledger {
    var inner: any Ledger { get }
    func forward<Result: Sendable>(_ call: @Sendable (any Ledger) async throws -> Result) async throws -> Result
}

extension ForwardingLedger {
    func forward<Result: Sendable>(_ call: @Sendable (any Ledger) async throws -> Result) async throws -> Result {
        try await call(inner)
    }
    func migrate() async throws { try await forward { try await $0.migrate() } }
    func schemaVersion() async throws -> Int { try await forward { try await $0.schemaVersion() } }
    func insertKey(_ record: VirtualKeyRecord) async throws { try await forward { try await $0.insertKey(record) } }
    func activeKeys() async throws -> [VirtualKeyRecord] { try await forward { try await $0.activeKeys() } }
    func activeKey(hash: String) async throws -> VirtualKeyRecord? { try await forward { try await $0.activeKey(hash: hash) } }
    func allKeys() async throws -> [VirtualKeyRecord] { try await forward { try await $0.allKeys() } }
    func revokeKey(id: String) async throws -> Bool { try await forward { try await $0.revokeKey(id: id) } }
    func changeKey(_ record: VirtualKeyRecord) async throws -> Bool { try await forward { try await $0.changeKey(record) } }
    func insertUsage(_ records: [UsageRecord], pace: UsagePace) async throws {
        try await forward { try await $0.insertUsage(records, pace: pace) }
    }
    func spend(_ query: SpendQuery) async throws -> [SpendRow] { try await forward { try await $0.spend(query) } }
    func usageRecords(_ filter: UsageFilter) async throws -> [UsageRecord] { try await forward { try await $0.usageRecords(filter) } }
    func latestUsageRecords(_ filter: UsageFilter, before cursor: UsageCursor?, limit: Int) async throws -> [UsageRecord] {
        try await forward { try await $0.latestUsageRecords(filter, before: cursor, limit: limit) }
    }
    func checkWritable() async throws { try await forward { try await $0.checkWritable() } }
    func close() async throws { try await forward { try await $0.close() } }
}
