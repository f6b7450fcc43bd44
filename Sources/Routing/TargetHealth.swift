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

    enum Circuit {
        case closed(failures: Int)
        case open(until: ContinuousClock.Instant, cooldown: Duration, rateLimited: Bool, failures: Int)
        case halfOpen(probeStarted: ContinuousClock.Instant, cooldown: Duration)
    }

    public let settings: Settings
    private let circuits = Mutex<[ModelReference: Circuit]>([:])

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    public func admit(_ target: ModelReference, now: ContinuousClock.Instant = .now) -> Admission {
        circuits.withLock { table in
            switch table[target] ?? .closed(failures: 0) {
            case .closed:
                return .allowed
            case .open(let until, let cooldown, let rateLimited, let failures):
                if now < until {
                    let seconds = max(1, Int(((until - now) / .seconds(1)).rounded(.up)))
                    let why = rateLimited ? "rate limited by the provider" : "\(failures) failures in a row"
                    return .refused(reason: "circuit open for \(seconds) s (\(why))", retryAfterSeconds: seconds, rateLimited: rateLimited)
                }
                table[target] = .halfOpen(probeStarted: now, cooldown: cooldown)
                return .probe
            case .halfOpen(let started, let cooldown):
                guard now - started >= settings.probeTimeout else {
                    return .refused(reason: "circuit half-open: a probe request is testing it", retryAfterSeconds: 1, rateLimited: false)
                }
                table[target] = .halfOpen(probeStarted: now, cooldown: cooldown)
                return .probe
            }
        }
    }

    /// A circuit as explain shows it, without admitting anything.
    public struct Status: Sendable, Hashable, CustomStringConvertible {
        /// `closed`, `closed (2 failures)`, `open for 12 s (3 failures in a row)`,
        /// `half-open (a probe is testing it)`.
        public var description: String
        /// Whether a request now would skip the target.
        public var skipsRequests: Bool
    }

    /// The circuit's state, for explain (``admit(_:now:)`` is what changes it).
    public func status(of target: ModelReference, now: ContinuousClock.Instant = .now) -> Status {
        circuits.withLock { table in
            switch table[target] ?? .closed(failures: 0) {
            case .closed(let failures):
                return Status(
                    description: failures == 0 ? "closed" : "closed (\(failures) failure\(failures == 1 ? "" : "s"))",
                    skipsRequests: false)
            case .open(let until, _, let rateLimited, let failures):
                guard now < until else { return Status(description: "open, due for a probe", skipsRequests: false) }
                let seconds = max(1, Int(((until - now) / .seconds(1)).rounded(.up)))
                let why = rateLimited ? "rate limited by the provider" : "\(failures) failures in a row"
                return Status(description: "open for \(seconds) s (\(why))", skipsRequests: true)
            case .halfOpen(let started, _):
                return Status(
                    description: "half-open (a probe is testing it)", skipsRequests: now - started < settings.probeTimeout)
            }
        }
    }

    public func recordSuccess(_ target: ModelReference) {
        circuits.withLock { $0[target] = nil }
    }

    /// A failure that says something about the target (not the client's own bad request).
    public func recordFailure(_ target: ModelReference, retryAfterSeconds: Int? = nil, now: ContinuousClock.Instant = .now) {
        circuits.withLock { table in
            if let retryAfterSeconds, retryAfterSeconds > 0 {
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
