public import Foundation
public import GatewayModel
public import Logging
public import ServiceLifecycle
import Synchronization

/// Keeps this replica's budget leases (``BudgetBook`` in shared mode) in step with the
/// database: every `interval` it reports what was spent, tops up leases running short, hands
/// back leases it doesn't need and renews the rest — one round trip for all of them. A request
/// whose lease is short waits for the next exchange (at most `topUpDeadline`), so the database
/// is on a request's path only when the lease ran out, never while a request holds anything.
public final class BudgetLeaseKeeper: Service, Sendable {
    public let book: BudgetBook
    let store: any BudgetLeaseStore
    /// This process's name in the lease table (random: a restarted replica is a new one).
    public let replica: String
    let interval: Duration
    let leaseDuration: Duration
    let topUpDeadline: Duration
    let logger: Logger

    private struct Rounds {
        /// Exchanges begun so far (the number of the latest).
        var started = 0
        /// Requests waiting for the exchange numbered `round` (or any later) to finish.
        var waiters: [(round: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        var stopped = false
    }

    private let rounds = Mutex(Rounds())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    public init(
        book: BudgetBook, store: any BudgetLeaseStore, replica: String = UUID().uuidString.lowercased(),
        interval: Duration = .milliseconds(250), leaseDuration: Duration = .seconds(15), topUpDeadline: Duration = .seconds(2),
        logger: Logger
    ) {
        self.book = book
        self.store = store
        self.replica = replica
        self.interval = interval
        self.leaseDuration = leaseDuration
        self.topUpDeadline = topUpDeadline
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Reserves `amount` on `budgets`; when this replica's lease is short, asks the database
    /// for more and tries again after each exchange while the database has room (near the limit
    /// it grants at most half of what's left per exchange), a few exchanges at most.
    public func reserve(_ amount: Decimal, on budgets: [(SpendScope, Budget)]) async throws(BudgetBook.Refusal)
        -> BudgetBook.Reservation
    {
        var short: [SpendScope]
        do {
            return try book.reserve(amount, on: budgets)
        } catch {
            guard !error.shortLeases.isEmpty else { throw error }
            short = error.shortLeases
        }
        let scopes = budgets.map(\.0)
        book.wait(amount, on: scopes)
        defer { book.stopWaiting(amount, on: scopes) }
        for _ in 0..<Self.exchangesAwaited {
            guard await nextExchange() else {
                throw BudgetBook.Refusal(
                    message: "The gateway cannot check this request's budget right now (its database is unreachable); retry shortly.",
                    retryAfterSeconds: 2, isUnavailable: true)
            }
            do {
                return try book.reserve(amount, on: budgets)
            } catch {
                guard !error.shortLeases.isEmpty else { throw error }
                short = error.shortLeases
            }
            if !short.allSatisfy({ book.databaseHasRoom(for: amount, on: $0) }) { break }
        }
        let scope = short[0]
        throw book.sharedRefusal(of: amount, on: scope, budget: budgets.first { $0.0 == scope }!.1)
    }

    /// How many exchanges a request short of lease waits for, at most.
    static let exchangesAwaited = 4

    /// Waits until an exchange that begins from now on has finished; false when it failed.
    private func nextExchange() async -> Bool {
        await withCheckedContinuation { continuation in
            let stopped = rounds.withLock { rounds in
                guard !rounds.stopped else { return true }
                rounds.waiters.append((rounds.started + 1, continuation))
                return false
            }
            if stopped { continuation.resume(returning: false) } else { wake.yield() }
        }
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { [wake, interval] in
                while !Task.isCancelled {
                    try? await sleepOnEventLoop(for: interval)
                    wake.yield()
                }
            }
            // Graceful shutdown ends the loop between exchanges, never in the middle of one.
            await withGracefulShutdownHandler {
                for await _ in self.wakeups { await self.exchange() }
            } onGracefulShutdown: { [wake] in
                wake.finish()
            }
            group.cancelAll()
        }
        // The server has stopped: hand every lease back so no budget is held by a replica that's gone.
        await exchange(releasing: true)
        let waiters = rounds.withLock { rounds in
            rounds.stopped = true
            defer { rounds.waiters = [] }
            return rounds.waiters
        }
        for waiter in waiters { waiter.continuation.resume(returning: false) }
    }

    /// One round trip: the due exchanges, then the waiters of this round are told how it went.
    func exchange(releasing: Bool = false) async {
        let round = rounds.withLock { rounds in
            rounds.started += 1
            return rounds.started
        }
        let now = Date()
        let due = book.dueExchanges(
            now: now, renewAfter: leaseDuration / 3 / .seconds(1), releasing: releasing)
        var succeeded = true
        if !due.isEmpty {
            do {
                let grants = try await withDeadline(topUpDeadline) { [store, replica, leaseDuration] in
                    try await store.exchangeLeases(due.map(\.1), replica: replica, leaseDuration: leaseDuration)
                }
                book.apply(grants, to: due, now: now)
            } catch {
                succeeded = false
                logger.warning("budget lease exchange failed; leases stay as they were", metadata: ["error": "\(error)"])
            }
        }
        let finished = rounds.withLock { rounds in
            let (done, rest) = (rounds.waiters.filter { $0.round <= round }, rounds.waiters.filter { $0.round > round })
            rounds.waiters = rest
            return done
        }
        for waiter in finished { waiter.continuation.resume(returning: succeeded) }
    }
}
