import GatewayConfig
import Metering
import MeteringSQLite

/// Opens and migrates the ledger a configuration names.
func openLedger(_ location: LedgerLocation) async throws -> any Ledger {
    switch location {
    case .sqlite(let path):
        let ledger = try await SQLiteLedger.open(path: path)
        try await ledger.migrate()
        return ledger
    }
}

/// Runs `body` on the ledger a configuration names and closes it, also when `body` throws
/// (what every one-shot CLI command needs).
func withLedger<Result: Sendable>(
    _ location: LedgerLocation, _ body: (any Ledger) async throws -> Result
) async throws -> Result {
    let ledger = try await openLedger(location)
    let result: Result
    do {
        result = try await body(ledger)
    } catch {
        try? await ledger.close()
        throw error
    }
    try await ledger.close()
    return result
}
