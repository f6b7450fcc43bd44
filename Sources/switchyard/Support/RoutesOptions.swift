import ArgumentParser
import Foundation
import GatewayConfig
import Metering

/// `--routes` and `--catalog`, shared by every command that reads `Routes/`.
struct RoutesOptions: ParsableArguments {
    @Option(name: .long, help: "Directory of routing configuration (*.yaml, read recursively).")
    var routes: String = "Routes"

    @Option(name: .long, help: "Price catalog used for models whose price Routes/ doesn't give.")
    var catalog: String?

    /// Loads and validates the configuration, printing every error and exiting 2 when it is invalid.
    func load() throws -> GatewayConfiguration {
        do {
            return try loadConfiguration()
        } catch let error as ConfigurationErrors {
            printError("invalid configuration:\n\(error)")
            throw ExitCode(2)
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
    }

    /// Loads and validates the configuration; throws what is wrong (a reload logs it).
    func loadConfiguration() throws -> GatewayConfiguration {
        try ConfigurationLoader(catalog: try loadCatalog()).load(directory: URL(fileURLWithPath: routes))
    }

    /// What a reload watches: every YAML file under `--routes` and the catalog, with their
    /// modification times and sizes. Any difference means an edit.
    func fingerprint() -> [String] {
        let manager = FileManager.default
        return files.map { path in
            let attributes = try? manager.attributesOfItem(atPath: path)
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(path) \(modified) \(attributes?[.size] as? Int ?? -1)"
        }
    }

    /// Every YAML file under `--routes` and the catalog, sorted.
    private var files: [String] {
        var files: [String] = []
        if let enumerator = FileManager.default.enumerator(atPath: routes) {
            for case let path as String in enumerator where path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
                files.append((routes as NSString).appendingPathComponent(path))
            }
        }
        if let catalog = catalogURL?.path { files.append(catalog) }
        return files.sorted()
    }

    /// SHA-256 of the configuration as written — each file's name and contents in order — the
    /// audit trail's name for the configuration a gateway served from.
    func contentHash() -> String {
        var bytes: [UInt8] = []
        for path in files {
            let contents = FileManager.default.contents(atPath: path).map { Array($0) } ?? []
            bytes += Array("\((path as NSString).lastPathComponent) \(contents.count)\n".utf8) + contents
        }
        return sha256Hex(bytes)
    }

    private func loadCatalog() throws(ConfigurationError) -> ModelCatalog {
        guard let url = catalogURL else { return .empty }
        return try ModelCatalog(contentsOf: url)
    }

    /// `--catalog`, else seeds/catalog.yaml beside the routes directory, else in the working directory.
    private var catalogURL: URL? {
        if let catalog { return URL(fileURLWithPath: catalog) }
        let routesParent = URL(fileURLWithPath: routes).standardizedFileURL.deletingLastPathComponent()
        return [routesParent.appendingPathComponent("seeds/catalog.yaml"), URL(fileURLWithPath: "seeds/catalog.yaml")]
            .first { FileManager.default.fileExists(atPath: $0.path) }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
