public import Foundation

/// A closed UTC day's usage records, sealed: how many there were and the SHA-256 of them all, in
/// the order `ledger export` writes them. Recomputing it later (`switchyard ledger verify`) shows
/// whether any record of that day was edited, removed or added since.
public struct DaySeal: Sendable, Hashable {
    /// `2026-11-29`.
    public var day: String
    public var records: Int
    public var hash: String
    /// When the seal was made (whole seconds).
    public var sealedAt: Date

    public init(day: String, records: Int, hash: String, sealedAt: Date) {
        self.day = day
        self.records = records
        self.hash = hash
        self.sealedAt = sealedAt
    }
}

/// Where day seals are kept (`usage_seals`, beside the records they seal).
public protocol SealStore: Sendable {
    /// Every seal, oldest day first.
    func daySeals() async throws -> [DaySeal]
    /// Stores `seal` unless its day is sealed already (another replica sealed it first): then
    /// false, and nothing is written.
    func insertDaySeal(_ seal: DaySeal) async throws -> Bool
    /// The time of the oldest usage record, or nil when there is none.
    func earliestUsageTime() async throws -> Date?
}
