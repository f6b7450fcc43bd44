import ArgumentParser
import Foundation
import GatewayConfig
import GatewayModel
import Routing

/// `switchyard route explain`: where a request would go and why, from `Routes/` alone
/// (no live latency or health: those live in a running gateway).
struct RouteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route", abstract: "Explain routing decisions.", subcommands: [Explain.self])

    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every candidate for a request with its expected cost and the rule that kept or dropped it.")

        @OptionGroup var routes: RoutesOptions

        @Option(help: "The tenant whose policy applies.")
        var tenant: String?

        @Option(help: "What the app puts in `model`: a route, provider/model or a model name.")
        var model: String

        @Option(name: .customLong("prompt-tokens"), help: "Prompt size to price.")
        var promptTokens = 1000

        @Option(name: .customLong("max-tokens"), help: "The request's output limit (default: the route's expected_output_tokens).")
        var maxTokens: Int?

        @Option(
            help:
                "What the request needs: tools, vision, json, reasoning, streaming, or completions (a batch or token-id prompt; comma-separated)."
        )
        var needs: String?

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            let tokens = 0...Int(Int32.max)
            for (name, value) in [("--prompt-tokens", promptTokens), ("--max-tokens", maxTokens ?? 0)] where !tokens.contains(value) {
                throw ValidationError("\(name) must be from 0 to \(tokens.upperBound)")
            }
        }

        func run() async throws {
            let configuration = try routes.load()
            if let tenant, configuration.tenant(named: tenant) == nil {
                throw ValidationError("unknown tenant '\(tenant)'")
            }
            var request = RouteRequest(model: model, promptTokens: promptTokens, maxOutputTokens: maxTokens, tenant: tenant, roll: 0.5)
            for name in (needs ?? "").split(separator: ",") where !request.addNeed(named: String(name)) {
                throw ValidationError("unknown need '\(name)' (\(RouteRequest.needNames.joined(separator: ", ")))")
            }
            guard let explanation = RoutePlanner(configuration: configuration).explain(request) else {
                throw ValidationError("'\(model)' is not a route, provider/model or model name in this configuration")
            }
            print(json ? explanation.jsonText : explanation.table)
        }
    }
}
