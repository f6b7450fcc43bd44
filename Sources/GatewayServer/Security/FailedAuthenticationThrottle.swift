import Foundation
import GatewayModel
import Synchronization

/// Limits guessing of keys: each client address may fail authentication (a wrong virtual key
/// or admin key) `burst` times, earning back one attempt every `refill`; past that it gets
/// 429 with `Retry-After` before its key is even looked at.
///
/// Memory is bounded: at most `maximumAddresses` are tracked; an address whose allowance has
/// refilled is forgotten, and when the table is full of addresses still failing, new ones
/// are not tracked (the throttle fails open rather than growing without bound).
public final class FailedAuthenticationThrottle: Sendable {
    public let burst: Double
    public let refill: Duration
    public let maximumAddresses: Int

    private struct Allowance {
        var attempts: Double
        var updated: ContinuousClock.Instant
    }

    private struct Table {
        var allowances: [String: Allowance] = [:]
        var lastPruned = ContinuousClock.Instant.now
    }

    private let table = Mutex(Table())
    /// Whether any address is tracked: the common case (no failures) costs one atomic load.
    private let tracking = Atomic<Bool>(false)

    public init(burst: Int = 20, refill: Duration = .seconds(1), maximumAddresses: Int = 10_000) {
        self.burst = Double(burst)
        self.refill = refill
        self.maximumAddresses = maximumAddresses
    }

    /// Seconds `address` must wait before trying again, or nil when it may try now.
    public func retryAfter(for address: @autoclosure () -> String?, now: ContinuousClock.Instant = .now) -> Int? {
        guard tracking.load(ordering: .relaxed), let address = address() else { return nil }
        return table.withLock { table in
            guard var allowance = table.allowances[address] else { return nil }
            refill(&allowance, now: now)
            table.allowances[address] = allowance
            guard allowance.attempts < 1 else { return nil }
            return max(1, ((1 - allowance.attempts) * seconds(refill)).rounded(.up).clampedInt)
        }
    }

    /// `address` presented a wrong key.
    public func recordFailure(from address: String?, now: ContinuousClock.Instant = .now) {
        guard let address else { return }
        table.withLock { table in
            if var allowance = table.allowances[address] {
                refill(&allowance, now: now)
                allowance.attempts -= 1
                table.allowances[address] = allowance
                return
            }
            if table.allowances.count >= maximumAddresses {
                // Prune at most once a second: under a flood from many addresses, a full table
                // must not turn every failure into a scan.
                guard now - table.lastPruned >= .seconds(1) else { return }
                table.lastPruned = now
                table.allowances = table.allowances.filter { _, allowance in
                    var refilled = allowance
                    refill(&refilled, now: now)
                    return refilled.attempts < burst
                }
                guard table.allowances.count < maximumAddresses else { return }
            }
            table.allowances[address] = Allowance(attempts: burst - 1, updated: now)
            tracking.store(true, ordering: .relaxed)
        }
    }

    var trackedAddresses: Int { table.withLock { $0.allowances.count } }

    private func refill(_ allowance: inout Allowance, now: ContinuousClock.Instant) {
        let earned = seconds(now - allowance.updated) / seconds(refill)
        allowance.attempts = min(burst, allowance.attempts + max(0, earned))
        allowance.updated = now
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
