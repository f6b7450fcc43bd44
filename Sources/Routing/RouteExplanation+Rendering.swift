import Foundation
import GatewayConfig
import GatewayModel

extension RouteExplanation {
    /// For people: one line per candidate, the chosen one first.
    public var table: String {
        var lines = ["route \(routeName) (strategy \(strategy)\(embeddingSpace.map { ", embedding space \($0)" } ?? ""))"]
        for candidate in candidates {
            let place = candidate.attempt.map { $0 == 1 ? "chosen  " : "fallback" } ?? "excluded"
            var detail = candidate.excludedBecause ?? "expected cost \(Self.cost(candidate.expectedCost, reportingCurrency))"
            if let tier = candidate.priceTier, candidate.excludedBecause == nil { detail += " (price band \(tier))" }
            if let latency = candidate.measuredLatencyMilliseconds { detail += String(format: ", measured %.0f ms", latency) }
            if let health = candidate.health, candidate.excludedBecause == nil { detail += ", circuit \(health)" }
            lines.append("  \(place)  \(candidate.reference.description.padding(toLength: 36, withPad: " ", startingAt: 0)) \(detail)")
        }
        if chosen == nil { lines.append("  no target can serve this request") }
        if let note = personalDataNote { lines.append("  \(note)") }
        if let hedgeAfterMilliseconds { lines.append("  hedged: the next target starts after \(hedgeAfterMilliseconds) ms") }
        return lines.joined(separator: "\n")
    }

    /// `pii: mask (policy finance): …`, or nil when personal data is sent as written.
    public var personalDataNote: String? {
        guard let policy = personalData.policy else { return nil }
        switch personalData.handling {
        case .allow: return nil
        case .mask:
            let restore = personalData.restores ? ", restored in answers" : ""
            return "pii: mask (policy \(policy)): public targets get placeholders\(restore)"
        case .block:
            return "pii: block (policy \(policy)): prompts holding personal data skip public targets"
        }
    }

    /// For programs: the same, as a JSON object.
    public var jsonObject: [String: Any] {
        let candidates: [[String: Any]] = candidates.map { candidate in
            [
                "target": candidate.reference.description,
                "attempt": candidate.attempt ?? NSNull(),
                "expected_cost": candidate.expectedCost ?? NSNull(),
                "price_tier": candidate.priceTier ?? NSNull(),
                "measured_latency_ms": candidate.measuredLatencyMilliseconds ?? NSNull(),
                "health": candidate.health ?? NSNull(),
                "excluded_because": candidate.excludedBecause ?? NSNull(),
            ]
        }
        return [
            "route": routeName, "strategy": strategy, "currency": reportingCurrency,
            "chosen": chosen?.description ?? NSNull(), "candidates": candidates,
            "pii": [
                "handling": personalData.handling.rawValue, "restore": personalData.restores,
                "policy": personalData.policy.map { $0 as Any } ?? NSNull(),
            ] as [String: Any],
            "hedge_after_ms": hedgeAfterMilliseconds ?? NSNull(),
            "embedding_space": embeddingSpace ?? NSNull(),
        ]
    }

    public var jsonText: String {
        let data =
            (try? JSONSerialization.data(withJSONObject: jsonObject, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func cost(_ value: Double?, _ currency: String) -> String {
        value.map { String(format: "%.6f %@", $0, currency) } ?? "no fx rate"
    }
}
