import Testing

@testable import Metering

/// The event loop's sleep keeps `Task.sleep`'s contract: it waits its time, and a cancelled one
/// throws `CancellationError` at once.
@Suite struct EventLoopSleepTests {
    @Test func waitsItsTime() async throws {
        let started = ContinuousClock.now
        try await sleepOnEventLoop(for: .milliseconds(50))
        #expect(ContinuousClock.now - started >= .milliseconds(50))
    }

    @Test func aCancelledSleepEndsAtOnce() async {
        let started = ContinuousClock.now
        let sleeper = Task { try await sleepOnEventLoop(for: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(20))
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(ContinuousClock.now - started < .seconds(5))
        let cancelledBefore = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await sleepOnEventLoop(for: .seconds(30))
        }
        await #expect(throws: CancellationError.self) { try await cancelledBefore.value }
    }
}
