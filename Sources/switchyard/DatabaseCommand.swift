import ArgumentParser
import GatewayConfig
import Metering

/// `switchyard db migrate`: brings the ledger's schema up to date without starting a gateway
/// (what an operator runs before rolling out replicas; `serve` also migrates at start).
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Manage the ledger database.", subcommands: [Migrate.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the ledger's schema migrations that haven't run (safe to repeat, and to run from several machines at once).")

        @OptionGroup var routes: RoutesOptions

        func run() async throws {
            let configuration = try routes.load()
            let ledger = try await openLedger(configuration.ledger, migrate: false)
            do {
                let before = try await ledger.schemaVersion()
                try await ledger.migrate()
                let after = try await ledger.schemaVersion()
                print("ledger \(configuration.ledger): schema version \(after) (\(after - before) migration(s) applied)")
            } catch {
                try? await ledger.close()
                throw error
            }
            try await ledger.close()
        }
    }
}
