/// Records waiting for the ledger database, oldest first, numbered so that a commit can say
/// "everything up to here is in" — twice, harmlessly, when two commits race over one batch.
struct PendingRecords: Sendable {
    private var records: [UsageRecord] = []
    /// Where the records not yet dropped start in `records` (dropping a batch doesn't shift the
    /// rest: after a database outage the backlog may hold millions).
    private var start = 0
    /// The number of `records[start]` among all records ever added.
    private var firstNumber = 0

    var count: Int { records.count - start }
    var isEmpty: Bool { count == 0 }

    mutating func append(_ record: UsageRecord) { records.append(record) }

    /// Up to `limit` of the oldest records, and the number just past the last of them.
    func batch(limit: Int) -> (records: [UsageRecord], end: Int) {
        let batch = Array(records[start..<min(start + limit, records.count)])
        return (batch, firstNumber + batch.count)
    }

    /// Drops every record numbered below `end` (those a commit stored).
    mutating func drop(before end: Int) {
        let count = min(end - firstNumber, self.count)
        guard count > 0 else { return }
        start += count
        firstNumber += count
        if start == records.count {
            records.removeAll(keepingCapacity: true)
            start = 0
        } else if start > records.count / 2 {
            records.removeFirst(start)
            start = 0
        }
    }
}
