import ArgumentParser
import Foundation
import GatewayConfig
import Metering

/// `switchyard keys`: issue virtual keys apps use instead of provider keys.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage virtual keys.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key for a tenant. The key is printed once; only its hash is stored.")

        @OptionGroup var routes: RoutesOptions

        @Option(help: "Tenant the key belongs to (one of tenants: in Routes/).")
        var tenant: String

        @Flag(help: "Print {\"key\",\"id\",\"tenant\"} as JSON.")
        var json = false

        func run() async throws {
            let configuration = try routes.load()
            guard configuration.tenant(named: tenant) != nil else {
                let known = configuration.tenants.map(\.name).joined(separator: ", ")
                printError("unknown tenant '\(tenant)' (tenants in \(routes.routes): \(known.isEmpty ? "none" : known))")
                throw ExitCode(2)
            }
            let ledger = try await openLedger(configuration.ledger)
            let key = VirtualKey.generate()
            do {
                try await ledger.insertKey(VirtualKeyRecord(id: key.id, tenant: tenant, hash: key.hash))
            } catch {
                try? await ledger.close()
                throw error
            }
            try await ledger.close()
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
}
