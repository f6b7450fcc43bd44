public import GatewayModel
import Synchronization

/// Live latency per provider model — time to first token for streams, total time otherwise —
/// as an EWMA and a sliding-window p95, for the `fastest` and `balanced` strategies.
///
/// Shared by every request (a lock around a small table); the planner reads a snapshot.
public final class LatencyTracker: Sendable {
    /// Weight of the newest sample in the moving average.
    static let smoothing = 0.2
    /// Samples kept per target for the p95.
    static let window = 64

    struct Series {
        var average: Double
        /// The last `window` samples, as a ring (`next` is the oldest once full).
        var recent: [Double] = []
        /// The same samples in ascending order, kept so at each record (a p95 without a sort).
        var ascending: [Double] = []
        var next = 0
        var count = 0

        /// Adds a sample and says the figures it makes.
        mutating func add(_ milliseconds: Double) -> LatencySnapshot.Figures {
            average = count == 0 ? milliseconds : average + LatencyTracker.smoothing * (milliseconds - average)
            if recent.count < LatencyTracker.window {
                recent.append(milliseconds)
            } else {
                ascending.remove(at: Self.position(of: recent[next], in: ascending))
                recent[next] = milliseconds
            }
            ascending.insert(milliseconds, at: Self.position(of: milliseconds, in: ascending))
            next = (next + 1) % LatencyTracker.window
            count += 1
            return LatencySnapshot.Figures(average: average, p95: p95, samples: count)
        }

        var p95: Double {
            ascending[min(ascending.count - 1, Int((Double(ascending.count) * 0.95).rounded(.up)) - 1)]
        }

        /// The first index in `ascending` whose value is not below `value` (binary search).
        static func position(of value: Double, in ascending: [Double]) -> Int {
            var (low, high) = (0, ascending.count)
            while low < high {
                let middle = (low + high) / 2
                if ascending[middle] < value { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }

    private struct State {
        var series: [ModelReference: Series] = [:]
        /// Kept current on every record, so a snapshot is a copy-on-write reference, not work.
        var published = LatencySnapshot()
    }

    private let state = Mutex(State())

    public init() {}

    public func record(_ reference: ModelReference, milliseconds: Double) {
        state.withLock { state in
            // In place: a copy of the series would copy its arrays at every record.
            let figures = state.series[reference, default: Series(average: milliseconds)].add(milliseconds)
            state.published.figures[reference] = figures
        }
    }

    /// The current figures, for one routing decision (cheap: shares storage until the next record).
    public func snapshot() -> LatencySnapshot {
        state.withLock { $0.published }
    }
}

/// Latency figures at one moment; empty until requests have been measured.
public struct LatencySnapshot: Sendable, Hashable {
    public struct Figures: Sendable, Hashable {
        public var average: Double
        public var p95: Double
        public var samples: Int

        public init(average: Double, p95: Double, samples: Int) {
            self.average = average
            self.p95 = p95
            self.samples = samples
        }
    }

    public var figures: [ModelReference: Figures]

    public init(_ figures: [ModelReference: Figures] = [:]) {
        self.figures = figures
    }

    public static let empty = LatencySnapshot()

    public subscript(reference: ModelReference) -> Figures? { figures[reference] }
}
