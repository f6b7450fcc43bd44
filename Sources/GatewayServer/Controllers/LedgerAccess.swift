import GatewayModel
import Logging
import Metering

/// The admin API's calls to the ledger database: bounded in time, and a database that doesn't
/// answer is 503 with the reason in the log — never a request hanging while the connection
/// pool retries, nor a 500.
enum LedgerAccess {
    static let deadline: Duration = .seconds(5)

    static func run<Value: Sendable>(
        _ what: String, logger: Logger, _ operation: @escaping @Sendable () async throws -> Value
    ) async throws(GatewayError) -> Value {
        do {
            return try await withDeadline(deadline, operation: operation)
        } catch {
            logger.error("ledger database: \(what) failed", metadata: ["error": "\(error)"])
            throw .unavailable("The ledger database did not answer (\(what)); retry shortly.", retryAfterSeconds: 5)
        }
    }
}
