public import GatewayModel
import Synchronization

/// A circuit breaker per provider model: consecutive failures open the circuit (the target
/// is skipped) for a cool-down that doubles on each repeat; a 429's Retry-After opens it for
/// that long; when the cool-down ends one request probes the target (half-open), and its
/// outcome closes the circuit or opens it again.
///
/// Shared by every request (a lock around a small table); decisions are taken per attempt.
public final class TargetHealth: Sendable {
    public struct Settings: Sendable, Hashable {
        /// Consecutive failures that open the circuit.
        public var failureThreshold: Int
        public var firstCooldown: Duration
        public var longestCooldown: Duration
        /// A probe that reports nothing for this long (its client left) frees the slot.
        public var probeTimeout: Duration

        public init(
            failureThreshold: Int = 3, firstCooldown: Duration = .seconds(5), longestCooldown: Duration = .seconds(300),
            probeTimeout: Duration = .seconds(60)
        ) {
            self.failureThreshold = failureThreshold
            self.firstCooldown = firstCooldown
            self.longestCooldown = longestCooldown
            self.probeTimeout = probeTimeout
        }
    }

    /// Whether a request may go to a target now.
    public enum Admission: Sendable, Hashable {
        case allowed
        /// The circuit was open and its cool-down is over: this request tests the target.
        case probe
        /// Skipped: the circuit is open.
        case refused(reason: String, retryAfterSeconds: Int, rateLimited: Bool)
    }

    enum Circuit: Sendable {
        case closed(failures: Int)
        case open(until: ContinuousClock.Instant, cooldown: Duration, rateLimited: Bool, failures: Int)
        case halfOpen(probeStarted: ContinuousClock.Instant, cooldown: Duration)
    }

    public let settings: Settings
    /// The longest a provider's `Retry-After` opens a circuit for.
    public static let longestRetryAfterSeconds = 86_400
    private let circuits = Mutex<[ModelReference: Circuit]>([:])

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Whether a request may go to `target` now; claims the probe of a circuit due for one.
    public func admit(_ target: ModelReference, now: ContinuousClock.Instant = .now) -> Admission {
        circuits.withLock { table in
            let circuit = table[target] ?? .closed(failures: 0)
            if case .refused(let reason, let retryAfter, let rateLimited) = Self.exclusion(circuit, now: now, settings: settings) {
                return .refused(reason: reason, retryAfterSeconds: retryAfter, rateLimited: rateLimited)
            }
            switch circuit {
            case .closed: return .allowed
            case .open(_, let cooldown, _, _), .halfOpen(_, let cooldown):
                table[target] = .halfOpen(probeStarted: now, cooldown: cooldown)
                return .probe
            }
        }
    }

    /// Every circuit as it stands at `now`, for routing to decide from without changing anything.
    public func snapshot(now: ContinuousClock.Instant = .now) -> CircuitSnapshot {
        let table = circuits.withLock { $0 }
        return CircuitSnapshot(circuits: table, now: now, settings: settings)
    }

    /// A circuit as explain shows it, without admitting anything.
    public struct Status: Sendable, Hashable, CustomStringConvertible {
        /// `closed`, `closed (2 failures)`, `open for 12 s (3 failures in a row)`,
        /// `half-open (a probe is testing it)`.
        public var description: String
        /// Whether a request now would skip the target.
        public var skipsRequests: Bool
        /// The breaker's position, for the `switchyard_circuit_state` gauge.
        public var state: State
    }

    /// A circuit's position: its raw value is the gauge's (0 closed, 1 half-open, 2 open).
    public enum State: Int, Sendable, Hashable {
        case closed = 0
        case halfOpen = 1
        case open = 2
    }

    /// The circuit's state, for explain (``admit(_:now:)`` is what changes it).
    public func status(of target: ModelReference, now: ContinuousClock.Instant = .now) -> Status {
        snapshot(now: now).status(of: target)
    }

    /// Whether `circuit` skips requests at `now` (nil: a request may go, maybe as the probe).
    static func exclusion(_ circuit: Circuit, now: ContinuousClock.Instant, settings: Settings) -> Admission? {
        switch circuit {
        case .closed:
            return nil
        case .open(let until, _, let rateLimited, let failures):
            guard now < until else { return nil }
            let seconds = max(1, ((until - now) / .seconds(1)).rounded(.up).clampedInt)
            let why = rateLimited ? "rate limited by the provider" : "\(failures) failures in a row"
            return .refused(reason: "open for \(seconds) s (\(why))", retryAfterSeconds: seconds, rateLimited: rateLimited)
        case .halfOpen(let started, _):
            guard now - started < settings.probeTimeout else { return nil }
            return .refused(reason: "half-open (a probe is testing it)", retryAfterSeconds: 1, rateLimited: false)
        }
    }

    public func recordSuccess(_ target: ModelReference) {
        circuits.withLock { $0[target] = nil }
    }

    /// A failure that says something about the target (not the client's own bad request).
    public func recordFailure(_ target: ModelReference, retryAfterSeconds: Int? = nil, now: ContinuousClock.Instant = .now) {
        circuits.withLock { table in
            if let retryAfterSeconds, retryAfterSeconds > 0 {
                // A provider's Retry-After, held to a day: a wild value must not shut a target out for good.
                let retryAfterSeconds = min(retryAfterSeconds, Self.longestRetryAfterSeconds)
                let failures = if case .closed(let count) = table[target] ?? .closed(failures: 0) { count + 1 } else { 1 }
                table[target] = .open(
                    until: now + .seconds(retryAfterSeconds), cooldown: settings.firstCooldown, rateLimited: true, failures: failures)
                return
            }
            switch table[target] ?? .closed(failures: 0) {
            case .closed(let failures):
                if failures + 1 >= settings.failureThreshold {
                    table[target] = .open(
                        until: now + settings.firstCooldown, cooldown: settings.firstCooldown, rateLimited: false,
                        failures: failures + 1)
                } else {
                    table[target] = .closed(failures: failures + 1)
                }
            case .halfOpen(_, let cooldown), .open(_, let cooldown, _, _):
                let longer = min(cooldown * 2, settings.longestCooldown)
                table[target] = .open(until: now + longer, cooldown: longer, rateLimited: false, failures: settings.failureThreshold)
            }
        }
    }
}

/// The circuits as they stood at one instant: what routing reads to leave out targets whose
/// circuit is open, so a plan — and `route explain` — show what the proxy will really skip.
public struct CircuitSnapshot: Sendable {
    let circuits: [ModelReference: TargetHealth.Circuit]
    let now: ContinuousClock.Instant
    let settings: TargetHealth.Settings

    /// No circuit open: what a plan from configuration alone assumes.
    public static let allClosed = CircuitSnapshot(circuits: [:], now: .now, settings: .init())

    /// Why `target` is skipped now, or nil when a request may go to it.
    func exclusion(of target: ModelReference) -> Exclusion? {
        guard !circuits.isEmpty, let circuit = circuits[target],
            case .refused(let reason, let retryAfter, let rateLimited) = TargetHealth.exclusion(circuit, now: now, settings: settings)
        else { return nil }
        return .circuitOpen(reason: reason, retryAfterSeconds: retryAfter, rateLimited: rateLimited)
    }

    public func status(of target: ModelReference) -> TargetHealth.Status {
        let circuit = circuits[target] ?? .closed(failures: 0)
        let state: TargetHealth.State =
            switch circuit {
            case .closed: .closed
            case .open: .open
            case .halfOpen: .halfOpen
            }
        if case .refused(let reason, _, _) = TargetHealth.exclusion(circuit, now: now, settings: settings) {
            return .init(description: reason, skipsRequests: true, state: state)
        }
        switch circuit {
        case .closed(let failures):
            return .init(
                description: failures == 0 ? "closed" : "closed (\(failures) failure\(failures == 1 ? "" : "s"))",
                skipsRequests: false, state: state)
        case .open: return .init(description: "open, due for a probe", skipsRequests: false, state: state)
        case .halfOpen: return .init(description: "half-open, its probe overdue", skipsRequests: false, state: state)
        }
    }
}
