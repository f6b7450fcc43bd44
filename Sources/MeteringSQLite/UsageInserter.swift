import Foundation
import Metering
import Synchronization
// sqlite-nio's own build of SQLite, reached directly for prepared statements it doesn't offer.
// It must be the same library copy as sqlite-nio's connections: two copies of SQLite in one
// process must never open one file (their POSIX locks would not see each other).
import VaporCSQLite

/// Stores usage records through statements prepared once, on a connection of its own.
///
/// The ledger inserts thousands of records a second, and sqlite-nio parses every statement it
/// runs — for a batch insert that parse cost as much as the insert itself, and each bound text
/// an allocation. Here the insert is parsed once, and values are bound straight from Swift's
/// storage. Calls block: run them on a thread pool.
final class UsageInserter: Sendable {
    private struct Connection {
        var handle: OpaquePointer
        var insertAttempt: OpaquePointer
        var upsertDimensions: OpaquePointer
        var addDailyTotals: OpaquePointer
        /// Ids of the `usage_dimensions` rows already stored, so each is looked up once.
        var dimensionIDs: [UsageDimensions: Int64] = [:]
    }

    /// Beyond this many remembered dimension rows, the memory starts over (it is only a cache).
    static let dimensionCacheLimit = 100_000
    private let connection: Mutex<Connection?>
    private let path: String

    /// Opens a connection to the (migrated) ledger at `path`.
    init(path: String) throws {
        self.path = path
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE
        guard sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite_nio_sqlite3_close(handle)
            throw SQLiteLedgerError("cannot open the ledger \(path) for usage records: \(message)")
        }
        sqlite_nio_sqlite3_busy_timeout(handle, 5_000)
        func prepare(_ sql: String) throws -> OpaquePointer {
            var statement: OpaquePointer?
            guard sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
                let statement
            else { throw SQLiteLedgerError("cannot prepare \(sql): \(String(cString: sqlite_nio_sqlite3_errmsg(handle)))") }
            return statement
        }
        do {
            let columns = UsageInserter.attemptColumns
            let insert =
                "INSERT OR IGNORE INTO usage_attempts (\(columns.joined(separator: ", "))) VALUES ("
                + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
            connection = Mutex(
                Connection(
                    handle: handle, insertAttempt: try prepare(insert), upsertDimensions: try prepare(UsageDimensions.upsert),
                    // Rows stored by one transaction: rowids count up from its first.
                    addDailyTotals: try prepare(SQLiteLedger.addDailyTotals(where: "rowid >= ?"))))
        } catch {
            sqlite_nio_sqlite3_close_v2(handle)
            throw error
        }
    }

    /// What `usage_attempts` stores of a record, in binding order: its attempt fields and its
    /// dimensions' id.
    static let attemptColumns = UsageRecord.attemptFields.map(\.column) + ["dimensions"]

    /// Inserts `records` in one transaction, and adds those stored to their days' totals; a record
    /// whose id is already stored is skipped (replaying a journal twice stores nothing twice, and
    /// counts nothing twice). `pace`: how often it offers the CPU between records (below). Blocks.
    func insert(_ records: [UsageRecord], pace: UsagePace) throws {
        try connection.withLock { connection in
            guard connection != nil else { throw SQLiteLedgerError("the ledger \(path) is closed") }
            try Self.insert(records, recordsPerYield: Self.recordsPerYield(pace), into: &connection!)
        }
    }

    /// Records inserted between two offers of the CPU (`sched_yield`). Keeping up, 4: about
    /// 0.1 ms of work. Each offer taken costs the inserter a turn of the event loop, so a yielding
    /// thread at a saturated gateway gets too little of the core, and the journal's backlog grew
    /// without end (docs/benchmarks.md): with a full batch, 32 records a turn (about 0.2 ms),
    /// enough to keep up at the saturated gateway's pace while a request waits for a fraction of
    /// a millisecond — where a batch inserted at the scheduler's fair share held the core for a
    /// slice at a time (p99 at 64 connections 15–18 against 12–14 ms). Further behind than that,
    /// no offers (`nil`) until the ledger has caught up.
    static func recordsPerYield(_ pace: UsagePace) -> Int? {
        switch pace {
        case .keepingUp: 4
        case .behind: 32
        case .farBehind: nil
        }
    }

    private static func insert(_ records: [UsageRecord], recordsPerYield: Int?, into connection: inout Connection) throws {
        try execute("BEGIN IMMEDIATE", on: connection.handle)
        var added: [UsageDimensions: Int64] = [:]
        do {
            var previous: (dimensions: UsageDimensions, id: Int64)?
            // The rowid of the first record this transaction stored; the rest follow it.
            var firstStored: Int64?
            for (index, record) in records.enumerated() {
                // A batch is tens of milliseconds of CPU. Where it shares a core with the event
                // loop, a request arriving meanwhile would wait for the scheduler to preempt the
                // batch (milliseconds: the requests' tail); offered the core this often, the
                // request waits for a fraction of a millisecond. With nothing else to run, a
                // yield returns at once.
                if let recordsPerYield, index % recordsPerYield == recordsPerYield - 1 { sched_yield() }
                let dimensions: Int64
                // Consecutive records mostly share their dimensions: compared in place, not copied.
                if let previous, previous.dimensions.describe(record) {
                    dimensions = previous.id
                } else {
                    let described = UsageDimensions(record)
                    if let known = connection.dimensionIDs[described] ?? added[described] {
                        dimensions = known
                    } else {
                        dimensions = try upsert(described, with: connection.upsertDimensions, on: connection.handle)
                        added[described] = dimensions
                    }
                    previous = (described, dimensions)
                }
                let stored = try insert(record, dimensions: dimensions, with: connection.insertAttempt, on: connection.handle)
                if firstStored == nil, let stored { firstStored = stored }
            }
            if let firstStored {
                sqlite_nio_sqlite3_bind_int64(connection.addDailyTotals, 1, firstStored)
                try step(connection.addDailyTotals, on: connection.handle, expecting: SQLITE_DONE)
            }
            try execute("COMMIT", on: connection.handle)
        } catch {
            try? execute("ROLLBACK", on: connection.handle)
            throw error
        }
        // Only once committed: ids from a rolled-back transaction may be handed out again.
        if connection.dimensionIDs.count + added.count > dimensionCacheLimit { connection.dimensionIDs.removeAll() }
        connection.dimensionIDs.merge(added) { _, new in new }
    }

    func close() {
        connection.withLock { connection in
            guard let open = connection else { return }
            connection = nil
            sqlite_nio_sqlite3_finalize(open.insertAttempt)
            sqlite_nio_sqlite3_finalize(open.upsertDimensions)
            sqlite_nio_sqlite3_finalize(open.addDailyTotals)
            sqlite_nio_sqlite3_close_v2(open.handle)
        }
    }

    deinit { close() }

    /// Stores `record`; returns its rowid, or nil when its id was already stored.
    private static func insert(
        _ record: UsageRecord, dimensions: Int64, with statement: OpaquePointer, on handle: OpaquePointer
    ) throws -> Int64? {
        var binder = Binder(statement: statement)
        let fields = UsageRecord.attemptFields
        for index in fields.indices {  // not `for field in`: that copies each field
            switch fields[index].value(of: record) {
            case .null: binder.integer(nil as Int64?)
            case .text(let text): binder.text(text)
            case .integer(let number): binder.integer(number)
            case .boolean(let flag): binder.integer(flag ? 1 : 0)
            case .time(let time):
                var text: [UInt8] = []
                text.reserveCapacity(20)
                UTCTimestamp.append(time, to: &text)
                binder.text(text)
            }
        }
        binder.integer(dimensions)
        return try step(statement, on: handle, expecting: SQLITE_DONE) {
            sqlite_nio_sqlite3_changes(handle) == 1 ? sqlite_nio_sqlite3_last_insert_rowid(handle) : nil
        }
    }

    private static func upsert(_ dimensions: UsageDimensions, with statement: OpaquePointer, on handle: OpaquePointer) throws -> Int64 {
        var binder = Binder(statement: statement)
        for value in dimensions.texts { binder.text(value) }
        return try step(statement, on: handle, expecting: SQLITE_ROW) { sqlite_nio_sqlite3_column_int64(statement, 0) }
    }

    /// Runs `statement` once, reads what it returned, and resets it (bindings cleared) for the
    /// next use.
    private static func step<Result>(
        _ statement: OpaquePointer, on handle: OpaquePointer, expecting expected: Int32, read: () -> Result = {}
    ) throws -> Result {
        let result = sqlite_nio_sqlite3_step(statement)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        guard result == expected else { throw error(result, on: handle) }
        return read()
    }

    private static func execute(_ sql: String, on handle: OpaquePointer) throws {
        let result = sqlite_nio_sqlite3_exec(handle, sql, nil, nil, nil)
        guard result == SQLITE_OK else { throw error(result, on: handle) }
    }

    private static func error(_ code: Int32, on handle: OpaquePointer) -> SQLiteLedgerError {
        SQLiteLedgerError("the ledger refused usage records: \(String(cString: sqlite_nio_sqlite3_errmsg(handle))) (code \(code))")
    }
}

/// Binds values to a statement's parameters in order, texts copied straight from Swift's storage.
private struct Binder {
    let statement: OpaquePointer
    private var index: Int32 = 0

    init(statement: OpaquePointer) { self.statement = statement }

    /// SQLite copies the bytes before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    mutating func text(_ value: String) {
        index += 1
        var value = value
        value.withUTF8 { bytes in bind(bytes) }
    }

    mutating func text(_ bytes: [UInt8]) {
        index += 1
        bytes.withUnsafeBufferPointer { bind($0) }
    }

    private func bind(_ bytes: UnsafeBufferPointer<UInt8>) {
        // An empty buffer may have no address; SQLite reads a null text pointer as NULL.
        let start = bytes.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(("" as StaticString).utf8Start)
        sqlite_nio_sqlite3_bind_text(statement, index, start.assumingMemoryBound(to: CChar.self), Int32(bytes.count), Self.transient)
    }

    mutating func integer(_ value: (some BinaryInteger)?) {
        index += 1
        if let value {
            sqlite_nio_sqlite3_bind_int64(statement, index, Int64(value))
        } else {
            sqlite_nio_sqlite3_bind_null(statement, index)
        }
    }
}
