/// Names one model at one provider — the unit routing chooses between and metering bills.
///
/// Written `provider/model` in `Routes/` and in a request's `model` field.
public struct ModelReference: Hashable, Sendable, CustomStringConvertible {
    public var provider: String
    public var model: String

    public init(provider: String, model: String) {
        self.provider = provider
        self.model = model
    }

    /// Parses `provider/model`. The model part may itself contain slashes
    /// (`openrouter/meta-llama/llama-3`), so only the first one splits.
    public init?(parsing text: some StringProtocol) {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        let provider = text[..<slash]
        let model = text[text.index(after: slash)...]
        guard !provider.isEmpty, !model.isEmpty else { return nil }
        self.init(provider: String(provider), model: String(model))
    }

    public var description: String { "\(provider)/\(model)" }
}
