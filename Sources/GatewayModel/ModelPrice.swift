import Foundation

/// A model's list price per million tokens in one currency.
///
/// Money is `Decimal` end to end: reports must equal the sum of ledger records to the cent.
public struct ModelPrice: Hashable, Sendable {
    public var inputPerMillion: Decimal
    public var outputPerMillion: Decimal
    /// Price of prompt-cache hits; `nil` when the provider has no discount, so cached tokens bill as input.
    public var cachedInputPerMillion: Decimal?
    /// ISO 4217 code, e.g. `USD`, `CNY`.
    public var currency: String

    public init(inputPerMillion: Decimal, outputPerMillion: Decimal, cachedInputPerMillion: Decimal? = nil, currency: String) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
        self.cachedInputPerMillion = cachedInputPerMillion
        self.currency = currency
    }

    /// The cost of `usage` at this price, in `currency`.
    public func cost(of usage: TokenUsage) -> Decimal {
        let cached = Decimal(min(usage.cachedInput, usage.input))
        let uncached = Decimal(usage.input) - cached
        let cachedRate = cachedInputPerMillion ?? inputPerMillion
        let total = uncached * inputPerMillion + cached * cachedRate + Decimal(usage.output) * outputPerMillion
        return total / 1_000_000
    }
}
