import Foundation
public import Logging
public import Metering
public import ServiceLifecycle
import Synchronization

/// Keeps finished Responses API answers in the ledger database and finds them again.
///
/// An answer is handed over as its last bytes are written and saved in the background; until
/// the save lands it is found here, so an app that sends `previous_response_id` the moment it
/// has the answer never misses it on this gateway.
public final class ResponseKeeper: Sendable {
    private let store: (any ResponseStore)?
    private let pending = Mutex<[String: StoredResponse]>([:])
    let logger: Logger

    public init(store: (any ResponseStore)?, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Whether responses can be kept at all (the ledger database stores them).
    public var canStore: Bool { store != nil }

    /// Saves `response` (in the background; findable at once).
    func keep(_ response: StoredResponse) {
        guard let store else { return }
        pending.withLock { $0[response.id] = response }
        Task { [logger] in
            do {
                try await store.saveResponse(response)
                // Deleted while the save was in flight: the delete ran before the row existed.
                if pending.withLock({ $0.removeValue(forKey: response.id) }) == nil {
                    _ = try await store.deleteStoredResponse(id: response.id, tenant: response.tenant)
                }
            } catch {
                pending.withLock { _ = $0.removeValue(forKey: response.id) }
                logger.error("a response could not be stored", metadata: ["response": "\(response.id)", "error": "\(error)"])
            }
        }
    }

    /// The tenant's unexpired response with this id.
    func find(id: String, tenant: String, now: Date = Date()) async throws -> StoredResponse? {
        if let waiting = pending.withLock({ $0[id] }), waiting.tenant == tenant, waiting.expiresAt > now { return waiting }
        return try await store?.storedResponse(id: id, tenant: tenant, now: now)
    }

    /// Deletes the tenant's response with this id; false when it has none.
    func delete(id: String, tenant: String) async throws -> Bool {
        let waiting = pending.withLock { pending -> StoredResponse? in
            guard pending[id]?.tenant == tenant else { return nil }
            return pending.removeValue(forKey: id)
        }
        let deleted = try await store?.deleteStoredResponse(id: id, tenant: tenant) ?? false
        return deleted || waiting != nil
    }

    /// Removes expired responses; how many.
    func sweep(now: Date = Date()) async throws -> Int {
        try await store?.deleteExpiredResponses(now: now) ?? 0
    }
}

/// Removes expired responses from the ledger database, every `interval` until shutdown.
public struct ResponseSweeper: Service {
    let keeper: ResponseKeeper
    let interval: Duration

    public init(keeper: ResponseKeeper, interval: Duration = .seconds(600)) {
        self.keeper = keeper
        self.interval = interval
    }

    public func run() async throws {
        guard keeper.canStore else { return }
        await repeatUntilShutdown(every: interval) {
            do {
                let removed = try await keeper.sweep()
                if removed > 0 { keeper.logger.info("expired responses removed", metadata: ["count": "\(removed)"]) }
            } catch {
                keeper.logger.warning("expired responses could not be removed", metadata: ["error": "\(error)"])
            }
        }
    }
}
