/// Records waiting for the ledger database, oldest first, numbered so that a commit can say
/// "everything up to here is in" — twice, harmlessly, when two commits race over one batch.
struct PendingRecords: Sendable {
    private var records: [UsageRecord] = []
    /// Where each record's journal line ends in the file (0 without a journal), in step with
    /// `records`: what a commit stored tells the journal which of its bytes are free.
    private var lineEnds: [Int] = []
    /// Where the records not yet dropped start in `records` (dropping a batch doesn't shift the
    /// rest: after a database outage the backlog may hold millions).
    private var start = 0
    /// The number of `records[start]` among all records ever added.
    private var firstNumber = 0

    var count: Int { records.count - start }
    var isEmpty: Bool { count == 0 }

    mutating func append(_ record: UsageRecord, lineEnd: Int = 0) {
        records.append(record)
        lineEnds.append(lineEnd)
    }

    /// Up to `limit` of the oldest records, and the number just past the last of them.
    func batch(limit: Int) -> (records: [UsageRecord], end: Int) {
        let batch = Array(records[start..<min(start + limit, records.count)])
        return (batch, firstNumber + batch.count)
    }

    /// Drops every record numbered below `end` (those a commit stored); returns where the last
    /// one dropped has its journal line end (nil: none was left to drop).
    @discardableResult
    mutating func drop(before end: Int) -> Int? {
        let count = min(end - firstNumber, self.count)
        guard count > 0 else { return nil }
        let lastLineEnd = lineEnds[start + count - 1]
        start += count
        firstNumber += count
        if start == records.count {
            records.removeAll(keepingCapacity: true)
            lineEnds.removeAll(keepingCapacity: true)
            start = 0
        } else if start > records.count / 2 {
            records.removeFirst(start)
            lineEnds.removeFirst(start)
            start = 0
        }
        return lastLineEnd
    }

    /// The journal moved the lines of the records left `distance` bytes towards its start.
    mutating func moveLineEnds(back distance: Int) {
        for index in start..<lineEnds.count { lineEnds[index] -= distance }
    }
}
