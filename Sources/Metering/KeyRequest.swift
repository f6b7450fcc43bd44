import Foundation
import GatewayModel

/// What a new key should carry, as the CLI or the admin API was asked — checked before any
/// key is made: the tenant exists, the budget parses, limits are positive.
public struct KeyRequest: Sendable {
    public var tenant: String
    public var budget: String?
    public var rpm: Int?
    public var tpm: Int?
    public var allowedRoutes: [String]

    public init(tenant: String, budget: String? = nil, rpm: Int? = nil, tpm: Int? = nil, allowedRoutes: [String] = []) {
        self.tenant = tenant
        self.budget = budget
        self.rpm = rpm
        self.tpm = tpm
        self.allowedRoutes = allowedRoutes
    }

    /// The key's record; throws a message naming what is wrong.
    /// - Parameters:
    ///   - tenants: the configured tenant names; `routes`: the configured route names;
    ///     `converts`: whether a currency converts to the reporting currency.
    public func record(
        for key: VirtualKey, tenants: [String], routes: [String], converts: (String) -> Bool
    ) throws(KeyRequestError) -> VirtualKeyRecord {
        guard tenants.contains(tenant) else {
            throw KeyRequestError(
                field: "tenant", "unknown tenant '\(tenant)' (tenants: \(tenants.isEmpty ? "none" : tenants.joined(separator: ", ")))")
        }
        var parsedBudget: Budget?
        if let budget {
            guard let value = Budget(parsing: budget) else {
                throw KeyRequestError(
                    field: "budget", "budget '\(budget)' is not AMOUNT CURRENCY/PERIOD, e.g. 5USD/day (periods: day, week, month, total)")
            }
            guard converts(value.currency) else {
                throw KeyRequestError(
                    field: "budget", "budget currency \(value.currency) does not convert to the reporting currency: add it to fx")
            }
            parsedBudget = value
        }
        for (name, value, range) in [("rpm", rpm, RateLimits.requestsPerMinuteRange), ("tpm", tpm, RateLimits.tokensPerMinuteRange)] {
            if let value, !range.contains(value) {
                throw KeyRequestError(field: name, "\(name) must be from \(range.lowerBound) to \(range.upperBound)")
            }
        }
        for route in allowedRoutes where !routes.contains(route) {
            throw KeyRequestError(field: "allowed_routes", "unknown route '\(route)' in allowed routes")
        }
        return VirtualKeyRecord(
            id: key.id, tenant: tenant, hash: key.hash, budget: parsedBudget,
            limits: RateLimits(requestsPerMinute: rpm, tokensPerMinute: tpm), allowedRoutes: allowedRoutes)
    }
}

public struct KeyRequestError: Error, CustomStringConvertible {
    public var description: String
    /// The request field at fault (`rpm`, `budget`…).
    public var field: String
    public init(field: String, _ description: String) {
        self.field = field
        self.description = description
    }
}

/// Keys as `keys list` and `GET /admin/keys` show them: ids and settings, never hashes.
public enum KeyListing {
    public static func object(_ record: VirtualKeyRecord) -> [String: Any] {
        [
            "id": record.id, "tenant": record.tenant, "created_at": record.createdAt.formatted(.iso8601),
            "revoked_at": record.revokedAt.map { $0.formatted(.iso8601) } ?? NSNull(),
            "budget": record.budget?.description ?? NSNull(), "rpm": record.limits.requestsPerMinute ?? NSNull(),
            "tpm": record.limits.tokensPerMinute ?? NSNull(), "allowed_routes": record.allowedRoutes,
        ]
    }

    public static func json(_ records: [VirtualKeyRecord]) -> String {
        let data =
            (try? JSONSerialization.data(withJSONObject: records.map(object), options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    public static func table(_ records: [VirtualKeyRecord]) -> String {
        var lines = ["id                tenant          created               budget            rpm     tpm       routes"]
        for record in records {
            let columns: [(String, Int)] = [
                (record.id, 17), (record.tenant, 15), (String(record.createdAt.formatted(.iso8601).prefix(19)), 21),
                (record.budget?.description ?? "-", 17), (record.limits.requestsPerMinute.map(String.init) ?? "-", 7),
                (record.limits.tokensPerMinute.map(String.init) ?? "-", 9),
                (record.allowedRoutes.isEmpty ? "any" : record.allowedRoutes.joined(separator: ","), 0),
            ]
            var line = columns.map { $1 > 0 ? $0.padding(toLength: $1, withPad: " ", startingAt: 0) : $0 }.joined(separator: " ")
            if record.revokedAt != nil { line += "  (revoked)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
