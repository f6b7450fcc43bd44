import Foundation
import GatewayConfig
import Logging
import Metering
import MeteringPostgres
import MeteringSQLite

/// Opens and migrates the ledger a configuration names.
func openLedger(_ location: LedgerLocation, migrate: Bool = true) async throws -> any Ledger {
    let ledger: any Ledger
    switch location {
    case .sqlite(let path):
        ledger = try await SQLiteLedger.open(path: path)
    case .postgres(let reference):
        ledger = try await PostgresLedger.open(try postgresLocation(reference), logger: Logger(label: "switchyard.ledger"))
    }
    guard migrate else { return ledger }
    do {
        try await ledger.migrate()
    } catch {
        try? await ledger.close()
        throw error
    }
    return ledger
}

/// The database a `ledger: postgres://…` or `ledger: env:NAME` setting names.
func postgresLocation(_ reference: SecretReference) throws -> PostgresLocation {
    guard let url = reference.resolve(in: ProcessInfo.processInfo.environment) else {
        throw ValidationErrorText("ledger: \(reference) is not set (it should hold postgres://user:password@host:port/database)")
    }
    do {
        return try PostgresLocation(url: url.revealed)
    } catch {
        throw ValidationErrorText("ledger: \(reference): \(error)")
    }
}

/// A message for the terminal, nothing more (never carries a secret).
struct ValidationErrorText: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
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
