import HTTPTypes

extension HTTPFields {
    /// What `self[name]` gives — several values joined by `, ` — without building a new string
    /// for the usual one value or none: the subscript joins even a single value, and each of a
    /// request's header lookups cost ~4,000 instructions (docs/benchmarks.md).
    func value(of name: HTTPField.Name) -> String? {
        guard let first = firstIndex(where: { $0.name == name }) else { return nil }
        let rest = self[index(after: first)...]
        guard !rest.contains(where: { $0.name == name }) else { return self[name] }
        return self[first].value
    }
}
