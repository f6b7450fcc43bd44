import ArgumentParser
import Foundation
import GatewayConfig
import GatewayModel
import GatewayServer
import Metering

/// `switchyard keys`: issue, list and revoke the virtual keys apps use instead of provider keys.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage virtual keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key for a tenant. The key is printed once; only its hash is stored.")

        @OptionGroup var routes: RoutesOptions

        @Option(help: "Tenant the key belongs to (one of tenants: in Routes/).")
        var tenant: String

        @Option(help: "The key's own budget, e.g. 5USD/day (periods: day, week, month, total).")
        var budget: String?

        @Option(help: "Requests per minute this key may make.")
        var rpm: Int?

        @Option(help: "Tokens per minute this key may use.")
        var tpm: Int?

        @Option(name: .customLong("allow-routes"), help: "Routes this key may call, comma-separated (default: any).")
        var allowRoutes: String?

        @Flag(help: "Print {\"key\",\"id\",\"tenant\"} as JSON.")
        var json = false

        func run() async throws {
            let configuration = try routes.load()
            let record: VirtualKeyRecord
            let key = VirtualKey.generate()
            do {
                record = try KeyRequest(
                    tenant: tenant, budget: budget, rpm: rpm, tpm: tpm,
                    allowedRoutes: allowRoutes.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
                ).record(for: key, under: configuration)
            } catch {
                printError("\(error)")
                throw ExitCode(2)
            }
            try await withLedger(configuration.ledger) { ledger in
                try await ledger.insertKey(record)
                try await AuditChain.record(.keyCreated(record, by: "cli", from: "local"), in: ledger)
            }
            if json {
                let object = ["key": key.plaintext, "id": key.id, "tenant": tenant]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(key.plaintext)
                printError("created \(key.id) for tenant \(tenant); store the key now, it is not shown again")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (ids, never the keys themselves).")

        @OptionGroup var routes: RoutesOptions

        @Option(help: "Only this tenant's keys.")
        var tenant: String?

        @Flag(help: "Include revoked keys.")
        var all = false

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let configuration = try routes.load()
            let records = try await withLedger(configuration.ledger) { ledger in
                try await all ? ledger.allKeys() : ledger.activeKeys()
            }
            let shown = records.filter { tenant == nil || $0.tenant == tenant }
            print(json ? KeyListing.json(shown) : KeyListing.table(shown))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key; running gateways refuse it within their key refresh interval (2 s).")

        @OptionGroup var routes: RoutesOptions

        @Argument(help: "The key's id (key_…).")
        var id: String

        func run() async throws {
            let configuration = try routes.load()
            let revoked = try await withLedger(configuration.ledger) { [id] ledger in
                guard try await ledger.revokeKey(id: id) else { return false }
                try await AuditChain.record(.keyRevoked(id, by: "cli", from: "local"), in: ledger)
                return true
            }
            guard revoked else {
                printError("no active key '\(id)'")
                throw ExitCode(1)
            }
            printError("revoked \(id)")
        }
    }
}
