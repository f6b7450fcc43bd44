import Crypto
public import Foundation

/// Seals closed UTC days of usage records, and checks the seals again.
///
/// A day is sealed once it has been closed for a grace period (records still in flight — a
/// journal being flushed — land first): its records are counted and hashed in the order
/// `ledger export` writes them, the seal is stored in `usage_seals` and appended to the audit
/// trail, so editing the seal too shows in `switchyard audit verify`.
public enum LedgerSeals {
    /// How long after midnight UTC a day is sealed.
    public static let defaultGrace = Duration.seconds(3600)
    private static let secondsPerDay: Int64 = 86_400

    /// Seals every day closed for at least `grace` after the last sealed one (before the first
    /// seal: from the oldest record's day on). Days without records are sealed too, so records
    /// added to one later show.
    /// Returns the seals this call made (another replica may have made some of the others).
    @discardableResult
    public static func sealClosedDays(
        in ledger: any Ledger, by actor: String, now: Date = Date(), grace: Duration = defaultGrace
    ) async throws -> [DaySeal] {
        guard let store = ledger as? any SealStore else { return [] }
        // After the last sealed day; before the first seal, from the oldest record's day.
        var day: Int64
        if let last = try await store.daySeals().last, let start = dayStart(named: last.day) {
            day = start + secondsPerDay
        } else if let earliest = try await store.earliestUsageTime() {
            day = dayStart(earliest)
        } else {
            return []
        }
        let closedBy = Int64(now.timeIntervalSince1970.rounded(.down)) - grace.components.seconds
        var made: [DaySeal] = []
        while day + secondsPerDay <= closedBy {
            let (records, hash) = try await digest(ofDayStarting: day, in: ledger, trustingTotals: true)
            let seal = DaySeal(
                day: dayName(day), records: records, hash: hash,
                sealedAt: Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down)))
            // False: another replica sealed this day first.
            if try await store.insertDaySeal(seal) {
                try await AuditChain.record(.daySealed(seal, by: actor), in: ledger)
                made.append(seal)
            }
            day += secondsPerDay
        }
        return made
    }

    /// Where the ledger stops matching its seals.
    public struct Mismatch: Sendable, Hashable, CustomStringConvertible {
        public var day: String
        public var reason: String
        public var description: String { "\(day): \(reason)" }
    }

    /// Recomputes every sealed day, oldest first, and compares it with its seal and with the seal's
    /// entry in the audit trail; the first day that doesn't match, or nil.
    public static func verify(_ ledger: any Ledger) async throws -> (checked: Int, mismatch: Mismatch?) {
        guard let store = ledger as? any SealStore, let audit = ledger as? any AuditStore else {
            throw AuditError("this ledger keeps no seals")
        }
        let seals = try await store.daySeals()
        let chained = try await chainedSeals(audit)
        let stored = Set(seals.map(\.day))
        if let lost = chained.keys.filter({ !stored.contains($0) }).min() {
            return (0, Mismatch(day: lost, reason: "sealed in the audit trail, but its seal is gone from usage_seals"))
        }
        var checked = 0
        for seal in seals {
            guard let chainedHash = chained[seal.day] else {
                return (checked, Mismatch(day: seal.day, reason: "its seal has no entry in the audit trail (inserted by hand)"))
            }
            guard chainedHash == seal.hash else {
                return (checked, Mismatch(day: seal.day, reason: "its seal differs from the one in the audit trail (edited)"))
            }
            guard let start = dayStart(named: seal.day) else {
                return (checked, Mismatch(day: seal.day, reason: "not a day"))
            }
            let (records, hash) = try await digest(ofDayStarting: start, in: ledger)
            if records != seal.records {
                let change =
                    records > seal.records
                    ? "\(records - seal.records) record(s) added after the seal (a journal replayed late, or written by hand)"
                    : "\(seal.records - records) record(s) removed after the seal"
                return (checked, Mismatch(day: seal.day, reason: "\(records) records, \(seal.records) when sealed: \(change)"))
            }
            if hash != seal.hash {
                return (checked, Mismatch(day: seal.day, reason: "a record was edited after the seal (same count, different contents)"))
            }
            checked += 1
        }
        return (checked, nil)
    }

    /// A day's records, counted and hashed in export order (time, then id), read an hour at a
    /// time so a busy day never sits in memory whole. Sealing skips a day its day totals say is
    /// empty (one query); verifying reads the records whatever the totals say.
    static func digest(ofDayStarting start: Int64, in ledger: any Ledger, trustingTotals: Bool = false) async throws -> (
        records: Int, hash: String
    ) {
        var hasher = SHA256()
        if trustingTotals {
            let day = UsageFilter(since: date(start), until: date(start + secondsPerDay))
            let total = try await ledger.spend(SpendQuery(groupBy: [], filter: day)).reduce(0) { $0 + $1.requests }
            if total == 0 { return (0, hexDigits(hasher.finalize())) }
        }
        var count = 0
        var line: [UInt8] = []
        for hour in Int64(0)..<24 {
            let records = try await ledger.usageRecords(
                UsageFilter(since: date(start + hour * 3600), until: date(start + (hour + 1) * 3600)))
            for record in records {
                record.appendJSONLine(to: &line, sealing: true)
                hasher.update(data: line)
                line.removeAll(keepingCapacity: true)
            }
            count += records.count
        }
        return (count, hexDigits(hasher.finalize()))
    }

    /// Each day's hash as the audit trail's `ledger.sealed` entries hold it.
    private static func chainedSeals(_ audit: any AuditStore) async throws -> [String: String] {
        var hashes: [String: String] = [:]
        var next: Int64 = 1
        while true {
            let page = try await audit.auditEntries(from: next, limit: 10_000)
            for entry in page where entry.action == AuditAction.daySealed.rawValue {
                if let detail = try? JSONSerialization.jsonObject(with: Data(entry.detail.utf8)) as? [String: String] {
                    hashes[entry.subject] = detail["hash"]
                }
            }
            guard page.count == 10_000, let last = page.last else { return hashes }
            next = last.sequence + 1
        }
    }

    private static func date(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: Double(seconds)) }

    static func dayStart(_ date: Date) -> Int64 {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        return (seconds >= 0 ? seconds : seconds - secondsPerDay + 1) / secondsPerDay * secondsPerDay
    }

    static func dayName(_ start: Int64) -> String { UTCTimestamp.day(date(start)) }

    static func dayStart(named day: String) -> Int64? {
        SpendReportFormat.date(day).map(dayStart)
    }
}
