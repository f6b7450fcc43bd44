import Foundation

/// A model's list price per million tokens — and per thousand searches, for rerank models that
/// bill by the search — in one currency.
///
/// Money is `Decimal` end to end: reports must equal the sum of ledger records to the cent.
public struct ModelPrice: Hashable, Sendable {
    public var inputPerMillion: Decimal
    public var outputPerMillion: Decimal
    /// Price of prompt-cache hits; `nil` when the provider has no discount, so cached tokens bill as input.
    public var cachedInputPerMillion: Decimal?
    /// Price of a thousand searches (Cohere bills a query with up to 100 documents as one); nil
    /// when the model bills by the token only.
    public var perThousandSearches: Decimal?
    /// ISO 4217 code, e.g. `USD`, `CNY`.
    public var currency: String

    public init(
        inputPerMillion: Decimal, outputPerMillion: Decimal, cachedInputPerMillion: Decimal? = nil,
        perThousandSearches: Decimal? = nil, currency: String
    ) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
        self.cachedInputPerMillion = cachedInputPerMillion
        self.perThousandSearches = perThousandSearches
        self.currency = currency
    }

    /// The cost of `usage` and `searches` at this price, in `currency`.
    public func cost(of usage: TokenUsage, searches: Int = 0) -> Decimal {
        let cached = Decimal(min(usage.cachedInput, usage.input))
        let uncached = Decimal(usage.input) - cached
        let cachedRate = cachedInputPerMillion ?? inputPerMillion
        let total = uncached * inputPerMillion + cached * cachedRate + Decimal(usage.output) * outputPerMillion
        return total / 1_000_000 + Decimal(searches) * (perThousandSearches ?? 0) / 1_000
    }
}
