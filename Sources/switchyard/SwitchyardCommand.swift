import ArgumentParser

/// The `switchyard` command: the gateway and its operator tools.

struct SwitchyardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchyard",
        abstract: "A cross-model routing gateway: one API for every LLM provider, routed by price, latency and policy.",
        subcommands: [
            ServeCommand.self, KeysCommand.self, ConfigCommand.self, RouteCommand.self, SpendCommand.self, LedgerCommand.self,
            AuditCommand.self,
            DatabaseCommand.self, MockProviderCommand.self,
        ],
        defaultSubcommand: ServeCommand.self)
}
