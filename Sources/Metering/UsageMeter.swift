import Dispatch
public import Logging
public import ServiceLifecycle
import Synchronization

/// Where the proxy hands every attempt's usage record: made durable at once (the journal),
/// committed to the ledger in batches off the hot path (group commit).
///
/// ``record(_:)`` returns once the record survives a crash of the gateway; the proxy calls it
/// before a client gets an answer's final bytes, and answers 503 when it throws (fail closed:
/// no answer goes unmetered). ``run()`` commits batches every `interval`, and whatever is left
/// at shutdown.
public final class UsageMeter: Service, Sendable {
    let ledger: any Ledger
    private let journal: UsageJournal?
    /// Without a journal (an in-memory ledger), records wait here for the next batch.
    private let memory = Mutex(PendingRecords())
    let interval: Duration
    let batchSize: Int
    let logger: Logger
    /// The longest one batch may take to commit before it counts as failed (and is retried).
    let commitDeadline: Duration = .seconds(2)
    /// When the ledger database began refusing records (uptime nanoseconds; 0: it takes them).
    private let failingSince = Atomic<UInt64>(0)
    /// Told how long each batch took to commit and how many records it held (the metrics).
    private let onCommit: (@Sendable (_ took: Duration, _ records: Int) -> Void)?

    /// - Parameters:
    ///   - journalPath: nil keeps records in memory until committed (tests, `:memory:`).
    ///   - journalLimit: the most bytes of records the journal holds while the database doesn't
    ///     take them; past it, requests fail closed.
    public init(
        ledger: any Ledger, journalPath: String?, journalLimit: Int = 1 << 30, interval: Duration = .milliseconds(200),
        batchSize: Int = 2_000, logger: Logger,
        onCommit: (@Sendable (_ took: Duration, _ records: Int) -> Void)? = nil
    ) throws {
        self.onCommit = onCommit
        self.ledger = ledger
        self.journal = try journalPath.map { try UsageJournal(path: $0, maximumBytes: journalLimit) }
        self.interval = interval
        self.batchSize = batchSize
        self.logger = logger
    }

    /// Commits what a previous run left in the journal (after a crash); call before serving.
    public func replayJournal() async throws {
        guard let journal else { return }
        let (records, unreadable) = UsageJournal.readRecords(at: journal.path)
        if unreadable > 0 {
            logger.warning("usage journal: skipped \(unreadable) torn line(s) from an interrupted write")
        }
        guard !records.isEmpty else { return }
        for start in stride(from: 0, to: records.count, by: batchSize) {
            try await ledger.insertUsage(Array(records[start..<min(start + batchSize, records.count)]))
        }
        journal.truncate()
        logger.notice("usage journal: replayed \(records.count) record(s) into the ledger")
    }

    /// Makes `record` durable — it survives a crash of the gateway once this returns — without
    /// waiting on the disk; throws when it can't (the caller fails closed).
    public func record(_ record: UsageRecord) throws {
        if let journal {
            try journal.append(record)
        } else {
            memory.withLock { $0.append(record) }
        }
    }

    /// Holds `record` for the database without the journal — for the record of a request that
    /// failed closed because the journal couldn't take its first record.
    public func recordUndurably(_ record: UsageRecord) {
        if let journal {
            journal.keep(record)
        } else {
            memory.withLock { $0.append(record) }
        }
    }

    /// How long the ledger database has been refusing records (nil: it takes them) — for
    /// `on_ledger_outage: fail_closed`. Cheap enough for every request.
    public var outage: Duration? {
        let since = failingSince.load(ordering: .relaxed)
        guard since != 0 else { return nil }
        return .nanoseconds(Int64(DispatchTime.now().uptimeNanoseconds &- since))
    }

    /// Records not yet in the ledger database.
    public var backlog: Int { journal?.backlog ?? memory.withLock { $0.count } }

    /// Commits every record recorded so far (a batch at a time). Safe to call concurrently
    /// (a report calls it to read its own writes).
    public func commit() async throws {
        try await commit(untilPartialBatch: false)
    }

    /// `untilPartialBatch`: the periodic commit's way — after a batch that wasn't full it stops,
    /// and records that arrived while it ran wait for the next tick. Draining instead, a busy
    /// gateway follows each large batch with a trail of ever smaller ones (those that arrived
    /// during the last), each paying a commit's fixed cost — its transaction, the pages it
    /// writes — for a handful of records (docs/benchmarks.md).
    func commit(untilPartialBatch: Bool) async throws {
        while true {
            let (batch, end) = journal?.uncommittedRecords(limit: batchSize) ?? memory.withLock { $0.batch(limit: batchSize) }
            guard !batch.isEmpty else { return }
            // Bounded: while the database is away the pool keeps retrying its connection, and
            // an outage must show as failures (for `fail_closed`), not as one endless wait.
            let started = ContinuousClock.now
            let pace = UsagePace(batch: batch.count, of: batchSize, waiting: backlog - batch.count)
            try await withDeadline(commitDeadline) { [ledger] in try await ledger.insertUsage(batch, pace: pace) }
            onCommit?(.now - started, batch.count)
            if let journal {
                journal.markCommitted(before: end)
            } else {
                memory.withLock { $0.drop(before: end) }
            }
            if untilPartialBatch, batch.count < batchSize { return }
        }
    }

    public func run() async throws {
        await repeatUntilShutdown(every: interval) { await commitLogging(untilPartialBatch: true) }
        // Shutting down: the server has stopped taking requests; commit the rest.
        await commitLogging(untilPartialBatch: false)
    }

    private func commitLogging(untilPartialBatch: Bool) async {
        do {
            try await commit(untilPartialBatch: untilPartialBatch)
            failingSince.store(0, ordering: .relaxed)
        } catch {
            _ = failingSince.compareExchange(expected: 0, desired: DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            // The records stay in the journal (durable) and are retried on the next tick.
            logger.error("usage ledger commit failed; will retry", metadata: ["error": "\(error)", "backlog": "\(backlog)"])
        }
    }
}
