import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// An append-only file of usage records not yet committed to the ledger database — what makes
/// a completed response survive `kill -9`.
///
/// A request's record is appended (one `write(2)`, to the page cache: a killed process loses
/// nothing the kernel has) before the client gets the answer's final bytes. Appends from
/// concurrent requests are grouped into one write, on NIO's blocking-I/O thread pool, never on
/// an event loop. Once the ledger holds every record in the file, the file is truncated; at
/// start, whatever it still holds is replayed into the ledger (inserts are idempotent).
final class UsageJournal: Sendable {
    private struct Pending {
        var records: [UsageRecord] = []
        var waiters: [Waiter] = []
        var flushScheduled = false
    }

    let path: String
    private let descriptor: Int32
    private let threadPool: NIOThreadPool
    private let pending = Mutex(Pending())
    /// Records written to the file and not yet committed to the database; guards the file too.
    private let uncommitted = Mutex(PendingRecords())

    init(path: String, threadPool: NIOThreadPool = .singleton) throws {
        self.path = path
        self.threadPool = threadPool
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw JournalError("cannot open \(path): \(String(cString: strerror(errno)))") }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The records in the journal file at `path` (a torn last line, from a crash mid-write, is
    /// skipped: its request never got its final bytes).
    static func readRecords(at path: String) -> (records: [UsageRecord], unreadable: Int) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([], 0) }
        let decoder = UsageRecordCoding.decoder
        var records: [UsageRecord] = []
        var unreadable = 0
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            if let record = try? decoder.decode(UsageRecord.self, from: Data(line)) {
                records.append(record)
            } else {
                unreadable += 1
            }
        }
        return (records, unreadable)
    }

    /// Appends `record`; returns once it is in the file (throws when it can't be written).
    ///
    /// Called on an event loop, the write is scheduled behind the work that loop already has
    /// queued, so that every request finishing in the same round joins one write and one
    /// thread hop — instead of waking the writer thread once per request.
    func append(_ record: UsageRecord) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let loop = MultiThreadedEventLoopGroup.currentEventLoop
            let schedule = pending.withLock { state -> Bool in
                state.records.append(record)
                state.waiters.append(Waiter(continuation: continuation, loop: loop))
                defer { state.flushScheduled = true }
                return !state.flushScheduled
            }
            guard schedule else { return }
            if let loop {
                loop.execute { [self] in threadPool.submit { [self] _ in flush() } }
            } else {
                threadPool.submit { [self] _ in flush() }
            }
        }
    }

    /// Encodes every pending record (here, off the event loops), writes them in one
    /// `write(2)` and wakes their requests, with one task per event loop.
    private func flush() {
        let (records, waiters) = pending.withLock { state in
            defer {
                state.records.removeAll(keepingCapacity: true)
                state.waiters.removeAll(keepingCapacity: true)
                state.flushScheduled = false
            }
            return (state.records, state.waiters)
        }
        var batch: [UInt8] = []
        batch.reserveCapacity(records.count * 700)
        for record in records { record.appendJSONLine(to: &batch) }
        let failure: (any Error)? = uncommitted.withLock { uncommitted in
            // Even records the file refused go to the database: their requests fail, but the
            // provider was paid for them.
            defer { uncommitted.append(contentsOf: records) }
            return batch.withUnsafeBytes { buffer -> (any Error)? in
                var offset = 0
                while offset < buffer.count {
                    let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return JournalError("cannot write the usage journal \(path): \(String(cString: strerror(errno)))")
                    }
                    offset += written
                }
                return nil
            }
        }
        Waiter.resume(waiters, failure: failure)
    }

    /// The oldest records the database doesn't hold yet, and where that batch ends.
    func uncommittedRecords(limit: Int) -> (records: [UsageRecord], end: Int) {
        uncommitted.withLock { $0.batch(limit: limit) }
    }

    /// The records before `end` are now in the database; when none is left uncommitted, the
    /// file is emptied (under the same lock as appends, so no record can slip in between).
    func markCommitted(before end: Int) {
        uncommitted.withLock { pending in
            pending.drop(before: end)
            if pending.isEmpty { _ = ftruncate(descriptor, 0) }
        }
    }

    /// Empties the file after a replay committed what it held.
    func truncate() {
        uncommitted.withLock { _ in _ = ftruncate(descriptor, 0) }
    }

    var backlog: Int { uncommitted.withLock { $0.count } }
}

/// A request waiting for its record to reach the file, and the event loop it runs on.
private struct Waiter: Sendable {
    let continuation: CheckedContinuation<Void, any Error>
    let loop: (any EventLoop)?

    /// Resumes `waiters` from a thread-pool thread: one task per event loop resumes all of that
    /// loop's requests (resuming each from here would schedule each on its loop separately).
    static func resume(_ waiters: [Waiter], failure: (any Error)?) {
        func resumeAll(_ waiters: some Sequence<Waiter>) {
            for waiter in waiters {
                if let failure { waiter.continuation.resume(throwing: failure) } else { waiter.continuation.resume() }
            }
        }
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, waiters: [Waiter])] = [:]
        for waiter in waiters {
            guard let loop = waiter.loop else {
                resumeAll(CollectionOfOne(waiter))
                continue
            }
            byLoop[ObjectIdentifier(loop), default: (loop, [])].waiters.append(waiter)
        }
        for (loop, waiters) in byLoop.values { loop.execute { resumeAll(waiters) } }
    }
}

struct JournalError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Reading the journal's lines back (written by `UsageRecord.appendJSONLine(to:)`).
enum UsageRecordCoding {
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
