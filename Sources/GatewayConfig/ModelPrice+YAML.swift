import Foundation
import GatewayModel

/// A model's price as the catalog and `Routes/` write it — one reading for both:
///
/// ```yaml
/// - name: gemini-2.5-pro
///   currency: USD
///   context: 1048576
///   cached_input_per_mtok: 0.125           # shared by the tiers that don't say
///   tiers:
///     - { prompt_tokens: 0-200000, input_per_mtok: 1.25, output_per_mtok: 10 }
///     - { prompt_tokens: 200000+, input_per_mtok: 2.50, output_per_mtok: 15, cached_input_per_mtok: 0.25 }
/// ```
extension ModelPrice {
    /// The per-token price keys, at a model's top level and in each tier.
    static let tokenPriceKeys = [
        "input_per_mtok", "output_per_mtok", "cached_input_per_mtok", "cache_write_5m_per_mtok", "cache_write_1h_per_mtok",
        "thinking_output_per_mtok",
    ]
    /// Every key of a model entry that belongs to its price.
    static let keys = tokenPriceKeys + ["per_1k_searches", "currency", "tiers", "as_of", "source"]

    /// Whether `fields` state a price of their own.
    static func isWritten(in fields: YAMLMapping) -> Bool { keys.contains { fields[$0] != nil } }

    /// The price `fields` write. Tiers must cover every prompt up to `context` (and, for a prompt
    /// band split by output length, every output) without overlapping: a gap would leave answers
    /// unpriced, an overlap would price one answer twice.
    init(yaml fields: YAMLMapping, context: Int?, requiresDate: Bool) throws(ConfigurationError) {
        let shared = try Self.tokenPrices(fields)
        var tiers: [PriceTier] = []
        var written: [WrittenRanges] = []
        if let list = fields["tiers"] {
            let items = try list.sequence()
            guard !items.isEmpty else { throw list.error("tiers needs at least one band") }
            guard let context else {
                throw list.error(
                    "price tiers by prompt length need the model's context (context: <tokens>) to check they cover every prompt")
            }
            for item in items {
                let tier = try item.mapping(allowed: ["prompt_tokens", "output_tokens"] + Self.tokenPriceKeys)
                let prices = try Self.tokenPrices(tier, over: shared)
                guard let prices = prices.complete else {
                    throw item.error("a tier needs input_per_mtok and output_per_mtok (its own or the model's)")
                }
                let ranges = WrittenRanges(prompt: try tier.required("prompt_tokens"), output: tier["output_tokens"], tier: item)
                tiers.append(
                    PriceTier(prompt: try Self.range(ranges.prompt), output: try ranges.output.map(Self.range), prices: prices))
                written.append(ranges)
            }
            try Self.checkCoverage(tiers, written: written, context: context)
        } else {
            // Without tiers, the model's own input and output prices are the price: name the one missing.
            _ = try fields.required("input_per_mtok")
            _ = try fields.required("output_per_mtok")
            guard let prices = shared.complete else { throw fields.owner.error("a price needs input_per_mtok and output_per_mtok") }
            tiers = [PriceTier(prices: prices)]
        }
        let asOf = try fields["as_of"].map(Self.day)
        if requiresDate, asOf == nil { _ = try fields.required("as_of") }
        self.init(
            tiers: tiers, perThousandSearches: try fields["per_1k_searches"]?.decimal(),
            currency: try ConfigurationLoader.Builder.currency(fields.required("currency")), asOf: asOf,
            source: try fields["source"]?.string())
    }

    /// Per-token prices as written, each missing one taken from `shared`.
    private struct WrittenPrices {
        var values: [String: Decimal]

        var complete: TokenPrices? {
            guard let input = values["input_per_mtok"], let output = values["output_per_mtok"] else { return nil }
            return TokenPrices(
                input: input, output: output, cachedInput: values["cached_input_per_mtok"],
                cacheWrite5m: values["cache_write_5m_per_mtok"], cacheWrite1h: values["cache_write_1h_per_mtok"],
                thinkingOutput: values["thinking_output_per_mtok"])
        }
    }

    private static func tokenPrices(_ fields: YAMLMapping, over shared: WrittenPrices = WrittenPrices(values: [:]))
        throws(ConfigurationError) -> WrittenPrices
    {
        var prices = shared
        for key in tokenPriceKeys {
            if let value = fields[key] { prices.values[key] = try value.decimal() }
        }
        return prices
    }

    /// `0-200000` (above 0, up to 200000) or `200000+` (above 200000).
    static func range(_ value: YAMLValue) throws(ConfigurationError) -> TokenRange {
        let text = try value.string().trimmingCharacters(in: .whitespaces)
        let bound = 0...1_000_000_000
        if text.hasSuffix("+"), let above = Int(text.dropLast()), bound.contains(above) { return TokenRange(above: above) }
        let ends = text.split(separator: "-", omittingEmptySubsequences: false)
        if ends.count == 2, let above = Int(ends[0]), let upTo = Int(ends[1]), bound.contains(above), bound.contains(upTo) {
            guard above < upTo else { throw value.error("'\(text)' is empty: the band's start must be below its end") }
            return TokenRange(above: above, upTo: upTo)
        }
        throw value.error("expected a token range such as 0-32000 (above 0, up to 32000) or 128000+ (above 128000), got '\(text)'")
    }

    /// Where a tier's ranges are written, for errors that point at them.
    private struct WrittenRanges {
        var prompt: YAMLValue
        var output: YAMLValue?
        var tier: YAMLValue
    }

    /// Bands in the order written: prompt ranges from 0 up to the context with no gap or overlap;
    /// a prompt range written over consecutive tiers is split by output ranges from 0 with no end.
    private static func checkCoverage(_ tiers: [PriceTier], written: [WrittenRanges], context: Int) throws(ConfigurationError) {
        var reached = 0  // prompts up to here have a band
        var open = false  // a band with no end came before
        var index = 0
        while index < tiers.count {
            let prompt = tiers[index].prompt
            let value = written[index].prompt
            if open || prompt.above < reached {
                throw value.error(
                    "prompt tokens \(prompt.text) overlap the band before (prompts up to \(open ? "any length" : String(reached)))")
            }
            if prompt.above > reached {
                throw value.error("prompts of \(reached)-\(prompt.above) tokens have no price: bands must follow on without a gap")
            }
            // The tiers that share this prompt range, split by output length.
            var end = index
            while end + 1 < tiers.count, tiers[end + 1].prompt == prompt { end += 1 }
            try checkOutputs(Array(tiers[index...end]), written: Array(written[index...end]))
            if let upTo = prompt.upTo { reached = upTo } else { open = true }
            index = end + 1
        }
        if !open, reached < context {
            throw written[written.count - 1].prompt.error(
                "prompts of \(reached)-\(context) tokens (up to the model's context, \(context)) have no price")
        }
    }

    private static func checkOutputs(_ tiers: [PriceTier], written: [WrittenRanges]) throws(ConfigurationError) {
        guard tiers.count > 1 || tiers[0].output != nil else { return }
        var reached = 0
        var open = false
        for (tier, ranges) in zip(tiers, written) {
            guard let output = tier.output, let value = ranges.output else {
                throw ranges.tier.error(
                    "prompt tokens \(tier.prompt.text) are split by output length: every tier of them needs output_tokens")
            }
            if open || output.above < reached {
                throw value.error(
                    "output tokens \(output.text) overlap the band before (outputs up to \(open ? "any length" : String(reached)))")
            }
            if output.above > reached {
                throw value.error("outputs of \(reached)-\(output.above) tokens have no price: bands must follow on without a gap")
            }
            if let upTo = output.upTo { reached = upTo } else { open = true }
        }
        if !open, let last = written[written.count - 1].output {
            throw last.error("outputs over \(reached) tokens have no price: the last output band needs no end (\(reached)+)")
        }
    }

    /// `2026-11-30`.
    static func day(_ value: YAMLValue) throws(ConfigurationError) -> String {
        let text = try value.string()
        guard text.count == 10, readOn(text) != nil else { throw value.error("expected a date such as 2026-11-30, got '\(text)'") }
        return text
    }

    /// The start (UTC) of the day an `as_of` names.
    static func readOn(_ day: String) -> Date? { try? Date(day + "T00:00:00Z", strategy: .iso8601) }
}
