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
        var recent: [Double] = []
        var next = 0
        var count = 0

        mutating func add(_ milliseconds: Double) {
            average = count == 0 ? milliseconds : average + LatencyTracker.smoothing * (milliseconds - average)
            if recent.count < LatencyTracker.window {
                recent.append(milliseconds)
            } else {
                recent[next] = milliseconds
            }
            next = (next + 1) % LatencyTracker.window
            count += 1
        }

        var p95: Double {
            let sorted = recent.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
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
            var series = state.series[reference] ?? Series(average: milliseconds)
            series.add(milliseconds)
            state.series[reference] = series
            state.published.figures[reference] = LatencySnapshot.Figures(average: series.average, p95: series.p95, samples: series.count)
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
