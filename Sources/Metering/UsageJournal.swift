import Foundation
import JSONScanning
import Synchronization

/// An append-only file of usage records not yet committed to the ledger database — what makes
/// a completed response survive `kill -9`.
///
/// A request's record is copied into the file, mapped into memory (`MAP_SHARED`), before the
/// client gets the answer's final bytes. That copy is a `memcpy` into the kernel's page cache:
/// no system call, no thread hop, no waiting for the disk — and a killed process loses nothing
/// the kernel holds (the kernel writes the pages back on its own). The file's blocks are
/// reserved with `posix_fallocate` before they are mapped, so a full disk surfaces as an error
/// here (the request fails closed) rather than as `SIGBUS` on a write.
///
/// Once the ledger holds every record in the file, the used bytes are zeroed and appends start
/// over at the beginning; at start, whatever the file still holds is replayed into the ledger
/// (inserts are idempotent, so replaying a record twice stores it once).
final class UsageJournal: Sendable {
    /// The mapping and what it holds; every access to the file's bytes happens under its lock.
    private struct State {
        var region: MappedRegion
        /// Bytes in use from the start of the file (what follows is zero).
        var end: Int
        /// Records appended and not yet committed to the database.
        var uncommitted = PendingRecords()
    }

    let path: String
    /// What the file starts with and shrinks back to once a backlog is committed.
    let initialCapacity: Int
    /// The most the file may hold: past it (the database has been away a long time), appends
    /// fail and requests fail closed rather than fill the disk.
    let maximumBytes: Int
    private let descriptor: Int32
    private let state: Mutex<State>

    /// - Parameters:
    ///   - initialCapacity: bytes reserved up front (about 1,400 records a megabyte); the file
    ///     doubles when it fills (a database outage) and shrinks back once committed.
    ///   - maximumBytes: the most it may grow to.
    init(path: String, initialCapacity: Int = 4 << 20, maximumBytes: Int = 1 << 30) throws {
        self.path = path
        self.maximumBytes = maximumBytes
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        self.initialCapacity = (initialCapacity + page - 1) / page * page
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw JournalError.last("cannot open \(path)") }
        do {
            // One gateway per journal: two processes copying into one file would overwrite
            // each other's records.
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                throw JournalError.last("the usage journal \(path) is in use by another gateway (give each its own with serve --journal)")
            }
            var status = stat()
            guard fstat(descriptor, &status) == 0 else { throw JournalError.last("cannot read \(path)") }
            // A journal left by a previous run keeps its records (replayed before serving).
            let size = Int(status.st_size)
            let region = try MappedRegion(
                descriptor: descriptor, capacity: max(self.initialCapacity, (size + page - 1) / page * page), path: path)
            self.state = Mutex(State(region: region, end: region.usedLength(upTo: size)))
        } catch {
            close(descriptor)
            throw error
        }
        self.descriptor = descriptor
    }

    deinit {
        state.withLock { $0.region.unmap() }
        close(descriptor)
    }

    /// The records in the journal file at `path`: its lines up to the zeroed tail (a torn last
    /// line, from a crash mid-copy, is skipped: its request never got its final bytes).
    static func readRecords(at path: String) -> (records: [UsageRecord], unreadable: Int) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([], 0) }
        let used = data.lastIndex { $0 != 0 }.map { $0 + 1 } ?? data.startIndex
        var records: [UsageRecord] = []
        var unreadable = 0
        for (_, line) in UsageRecordCoding.lines(of: data[..<used]) {
            if case .success(let record) = line { records.append(record) } else { unreadable += 1 }
        }
        return (records, unreadable)
    }

    /// Copies `record` into the file; throws when the file can't take it (no disk space), after
    /// which the request must fail closed — and its record say so (``keep(_:)``).
    func append(_ record: UsageRecord) throws {
        var line: [UInt8] = []
        line.reserveCapacity(768)
        record.appendJSONLine(to: &line)
        try state.withLock { state in
            let length = state.end + line.count
            if length > maximumBytes {
                throw JournalError("the usage journal \(path) is full (\(maximumBytes) bytes of records the ledger database hasn't taken)")
            }
            if length > state.region.capacity { try grow(&state, toHold: length) }
            line.withUnsafeBytes { bytes in
                state.region.base.advanced(by: state.end).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            }
            state.end += line.count
            state.uncommitted.append(record, lineEnd: state.end)
        }
    }

    /// Holds `record` for the database without writing it to the file (which can't take it):
    /// lost if the process dies before the next commit, so only for records of requests that
    /// failed closed.
    func keep(_ record: UsageRecord) {
        state.withLock { $0.uncommitted.append(record, lineEnd: $0.end) }
    }

    /// Doubles the file (blocks reserved first) until `length` bytes fit, and maps it anew.
    private func grow(_ state: inout State, toHold length: Int) throws {
        var capacity = state.region.capacity
        while capacity < length { capacity *= 2 }
        capacity = min(capacity, max(maximumBytes, length))
        let larger = try MappedRegion(descriptor: descriptor, capacity: capacity, path: path)
        state.region.unmap()
        state.region = larger
    }

    /// The oldest records the database doesn't hold yet, and where that batch ends.
    func uncommittedRecords(limit: Int) -> (records: [UsageRecord], end: Int) {
        state.withLock { $0.uncommitted.batch(limit: limit) }
    }

    /// The records before `end` are now in the database; when none is left uncommitted, the
    /// file starts over, else the uncommitted lines may move to its front (under the same lock
    /// as appends, so no record can slip in between).
    func markCommitted(before end: Int) {
        state.withLock { state in
            guard let committedEnd = state.uncommitted.drop(before: end) else { return }
            if state.uncommitted.isEmpty {
                startOver(&state)
            } else {
                moveUncommittedToFront(&state, committedEnd: committedEnd)
            }
        }
    }

    /// Under sustained load records keep arriving while a batch commits, so the journal may
    /// never be empty to start over: once the committed lines before the uncommitted ones are a
    /// quarter of the file's first size and at least as long as them, the uncommitted lines move
    /// to the front. The copy never overlaps its source, so a crash midway leaves every
    /// uncommitted line whole in one place or the other (a replay stores each id once); the
    /// committed lines cut by it are skipped as unreadable. Lines of more than half the first
    /// size wait (a backlog after an outage is committed a batch at a time), so the copy made
    /// while appends wait stays small.
    private func moveUncommittedToFront(_ state: inout State, committedEnd: Int) {
        let length = state.end - committedEnd
        guard committedEnd >= initialCapacity / 4, length <= committedEnd, length <= initialCapacity / 2 else { return }
        state.region.base.copyMemory(from: state.region.base.advanced(by: committedEnd), byteCount: length)
        state.uncommitted.moveLineEnds(back: committedEnd)
        clear(&state, from: length)
    }

    /// Empties the file after a replay committed what it held.
    func truncate() {
        state.withLock { startOver(&$0) }
    }

    /// Zeroes the used bytes (a replay finds nothing) and appends from the start again.
    private func startOver(_ state: inout State) {
        clear(&state, from: 0)
    }

    /// Zeroes the used bytes from `start` on and appends from there; a file grown by a backlog
    /// goes back to its first size (cut, not zeroed, past it).
    private func clear(_ state: inout State, from start: Int) {
        defer { state.end = start }
        // Mapped before the cut: a failed mapping must not leave the larger one past the file's end.
        if state.region.capacity > initialCapacity,
            let smaller = try? MappedRegion(descriptor: descriptor, capacity: initialCapacity, path: path)
        {
            if ftruncate(descriptor, off_t(initialCapacity)) == 0 {
                state.region.unmap()
                state.region = smaller
                smaller.base.advanced(by: start).initializeMemory(
                    as: UInt8.self, repeating: 0, count: min(state.end, initialCapacity) - start)
                return
            }
            smaller.unmap()
        }
        state.region.base.advanced(by: start).initializeMemory(as: UInt8.self, repeating: 0, count: state.end - start)
    }

    var backlog: Int { state.withLock { $0.uncommitted.count } }
}

/// The journal file's bytes, mapped shared: what is copied here is in the page cache at once.
private struct MappedRegion {
    let base: UnsafeMutableRawPointer
    let capacity: Int

    /// Reserves `capacity` bytes of disk for the file (so writes through the mapping can't
    /// meet a full disk) and maps them.
    init(descriptor: Int32, capacity: Int, path: String) throws {
        let reserved = posix_fallocate(descriptor, 0, off_t(capacity))
        guard reserved == 0 else {
            throw JournalError("cannot reserve \(capacity) bytes for the usage journal \(path): \(String(cString: strerror(reserved)))")
        }
        let address = mmap(nil, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0)
        guard let address, address != MAP_FAILED else { throw JournalError.last("cannot map the usage journal \(path)") }
        self.base = address
        self.capacity = capacity
    }

    /// The length of the content before the zeroed tail, within the first `size` bytes.
    func usedLength(upTo size: Int) -> Int {
        let bytes = UnsafeRawBufferPointer(start: base, count: min(size, capacity))
        return (bytes.lastIndex { $0 != 0 } ?? -1) + 1
    }

    func unmap() { munmap(base, capacity) }
}

struct JournalError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }

    /// `description` with the reason `errno` gives.
    static func last(_ description: String) -> JournalError {
        JournalError("\(description): \(String(cString: strerror(errno)))")
    }
}

/// Reading the journal's lines back (written by `UsageRecord.appendJSONLine(to:)`).
enum UsageRecordCoding {
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// Each line of `bytes` that holds anything (blank lines are passed over), numbered from 1,
    /// read as a record or with why it isn't one: the journal's replay and `ledger import`.
    static func lines(of bytes: some Collection<UInt8>) -> [(number: Int, record: Result<UsageRecord, any Error>)] {
        let decoder = decoder
        return bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
            .filter { !$0.element.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") } }
            .map { index, line in (index + 1, Result { try decoder.decode(UsageRecord.self, fromBytes: line) }) }
    }
}
