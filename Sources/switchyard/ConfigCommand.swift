import ArgumentParser
import Foundation
import GatewayConfig

/// `switchyard config check`: validate `Routes/` without starting anything (for CI and pre-commit).
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Inspect the routing configuration.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate Routes/ and print a summary.")

        @OptionGroup var routes: RoutesOptions

        func run() async throws {
            let configuration = try routes.load()
            // The admin key usually comes from the environment: check the one this shell would serve with.
            _ = try configuration.resolvedAdminKey(in: ProcessInfo.processInfo.environment)
            for warning in configuration.warnings { print("warning: \(warning)") }
            print(
                "ok: \(configuration.providers.count) providers, \(configuration.providers.reduce(0) { $0 + $1.models.count }) models, \(configuration.routes.count) routes, \(configuration.tenants.count) tenants"
            )
        }
    }
}
