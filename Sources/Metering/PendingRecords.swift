/// Records waiting for the ledger database, oldest first, numbered so that a commit can say
/// "everything up to here is in" — twice, harmlessly, when two commits race over one batch.
struct PendingRecords: Sendable {
    private var records: [UsageRecord] = []
    /// The number of `records[0]` among all records ever added.
    private var firstNumber = 0

    var count: Int { records.count }
    var isEmpty: Bool { records.isEmpty }

    mutating func append(_ record: UsageRecord) { records.append(record) }

    /// Up to `limit` of the oldest records, and the number just past the last of them.
    func batch(limit: Int) -> (records: [UsageRecord], end: Int) {
        let batch = Array(records.prefix(limit))
        return (batch, firstNumber + batch.count)
    }

    /// Drops every record numbered below `end` (those a commit stored).
    mutating func drop(before end: Int) {
        let count = min(end - firstNumber, records.count)
        guard count > 0 else { return }
        records.removeFirst(count)
        firstNumber += count
    }
}
