import ArgumentParser
import Foundation
import GatewayConfig

/// `--routes` and `--catalog`, shared by every command that reads `Routes/`.
struct RoutesOptions: ParsableArguments {
    @Option(name: .long, help: "Directory of routing configuration (*.yaml, read recursively).")
    var routes: String = "Routes"

    @Option(name: .long, help: "Price catalog used for models whose price Routes/ doesn't give.")
    var catalog: String?

    /// Loads and validates the configuration, printing every error and exiting 2 when it is invalid.
    func load() throws -> GatewayConfiguration {
        let catalog: ModelCatalog
        do {
            catalog = try loadCatalog()
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        do {
            return try ConfigurationLoader(catalog: catalog).load(directory: URL(fileURLWithPath: routes))
        } catch {
            printError("invalid configuration:\n\(error)")
            throw ExitCode(2)
        }
    }

    private func loadCatalog() throws(ConfigurationError) -> ModelCatalog {
        if let catalog {
            return try ModelCatalog(contentsOf: URL(fileURLWithPath: catalog))
        }
        // Default: seeds/catalog.yaml beside the routes directory, else in the working directory.
        let routesParent = URL(fileURLWithPath: routes).standardizedFileURL.deletingLastPathComponent()
        for candidate in [routesParent.appendingPathComponent("seeds/catalog.yaml"), URL(fileURLWithPath: "seeds/catalog.yaml")]
        where FileManager.default.fileExists(atPath: candidate.path) {
            return try ModelCatalog(contentsOf: candidate)
        }
        return .empty
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
