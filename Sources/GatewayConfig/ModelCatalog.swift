public import Foundation
public import GatewayModel
import Yams

/// The price list shipped in `seeds/catalog.yaml`: what a model costs when `Routes/` doesn't say.
///
/// Prices fall month by month, so each entry carries the date it was read.
public struct ModelCatalog: Sendable {
    public struct Entry: Sendable, Hashable {
        public var vendor: String
        public var model: String
        public var price: ModelPrice
        public var contextTokens: Int?
        public var capabilities: Set<ModelCapability>
        public var kind: ModelKind = .chat
        /// An embedding model's vector size.
        public var dimensions: Int?
        /// Most inputs the vendor's API takes in one call (embedding and rerank models). When
        /// and where the price was read is the price's (`price.asOf`, `price.source`).
        public var maxInputs: Int?
    }

    public var entries: [Entry]

    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    public func entry(for model: String) -> Entry? {
        entries.first { $0.model == model }
    }

    public static let empty = ModelCatalog()

    /// Parses a catalog file; `file` names it in errors.
    public init(yaml text: String, file: String) throws(ConfigurationError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(file: file, keyPath: "", message: "not valid YAML: \(error)")
        }
        guard let root else {
            self.init()
            return
        }
        let top = try YAMLValue(node: root, file: file, path: "").mapping(allowed: ["version", "models"])
        var entries: [Entry] = []
        for item in try top.required("models").sequence() {
            let fields = try item.mapping(
                allowed: ["vendor", "name", "context", "capabilities", "kind", "dimensions", "max_inputs"] + ModelPrice.keys)
            let name = try fields.required("name").string()
            let context = try fields["context"]?.int(in: 1...100_000_000)
            let price = try ModelPrice(yaml: fields, context: context, requiresDate: true)
            var capabilities: Set<ModelCapability> = []
            for capability in try fields["capabilities"]?.sequence() ?? [] {
                capabilities.insert(try capability.choice(ModelCapability.self))
            }
            if entries.contains(where: { $0.model == name }) {
                throw item.error("model '\(name)' is listed twice")
            }
            entries.append(
                Entry(
                    vendor: try fields.required("vendor").string(), model: name, price: price,
                    contextTokens: context, capabilities: capabilities,
                    kind: try fields["kind"]?.choice(ModelKind.self) ?? .chat,
                    dimensions: try fields["dimensions"]?.int(in: 1...100_000),
                    maxInputs: try fields["max_inputs"]?.int(in: 1...1_000_000)))
        }
        self.init(entries: entries)
    }

    public init(contentsOf url: URL) throws(ConfigurationError) {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: url.path, keyPath: "", message: "cannot read the catalog: \(error.localizedDescription)")
        }
        try self.init(yaml: text, file: url.path)
    }
}
