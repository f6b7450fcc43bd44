import Foundation
import Testing

@testable import Metering

/// A deadline gives up on its operation when time is up — even one that ignores cancellation,
/// which a task group would have waited for (a usage meter hung so after a database restart).
@Suite struct DeadlineTests {
    @Test func anOperationThatIgnoresCancellationDoesNotHoldItsCaller() async throws {
        // Resumed by a timer of its own, deaf to cancellation, long after any test run: a
        // deadline that waited for it would hang here.
        await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(.milliseconds(50)) {
                await withCheckedContinuation { continuation in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 3600) { continuation.resume() }
                }
                return 1
            }
        }
    }

    @Test func aTimelyAnswerAndItsErrorsComeThrough() async throws {
        #expect(try await withDeadline(.seconds(5)) { 42 } == 42)
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await withDeadline(.seconds(5)) { () async throws -> Int in throw Refused() } }
    }

    @Test func aCancelledCallerStopsWaiting() async throws {
        let caller = Task {
            try await withDeadline(.seconds(30)) {
                try await Task.sleep(for: .seconds(30))
                return 1
            }
        }
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
    }
}
