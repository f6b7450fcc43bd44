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
