import Dialects
import Foundation
import GatewayModel
import JSONScanning

/// An admin API body: decoded strictly, since a field the gateway silently drops can widen
/// what a key may do (`"allowed_routes": "chat"` must not become "every route").
protocol AdminRequestBody: Decodable {
    associatedtype Fields: CodingKey, CaseIterable
}

extension AdminRequestBody {
    /// `bytes` as this body: an object holding only known fields, each once and of its type —
    /// anything else is a 400 naming the field.
    static func decode(_ bytes: [UInt8]) throws(GatewayError) -> Self {
        let index: JSONObjectIndex
        do {
            index = try JSONObjectIndex(document: bytes)
        } catch {
            throw .invalidJSON(error.description)
        }
        let known = Fields.allCases.map(\.stringValue)
        var seen: Set<String> = []
        for member in index.members {
            guard known.contains(member.key) else {
                throw .invalidRequest(
                    "Unknown field '\(member.key)'; this endpoint takes: \(known.joined(separator: ", ")).", parameter: member.key,
                    code: "unknown_field")
            }
            guard seen.insert(member.key).inserted else {
                throw .invalidRequest("Field '\(member.key)' is given twice.", parameter: member.key, code: "duplicate_field")
            }
        }
        do {
            return try JSONDecoder().decode(Self.self, fromBytes: bytes)
        } catch let error as DecodingError {
            throw .invalidValue(error)
        } catch {
            throw .invalidJSON("\(error)")
        }
    }

    /// `value` when it lies in `range`; otherwise a 400 naming `field`.
    static func bounded(_ value: Int?, _ range: ClosedRange<Int>, field: Fields) throws(GatewayError) -> Int? {
        guard let value else { return nil }
        guard range.contains(value) else {
            throw .invalidRequest(
                "'\(field.stringValue)' must be an integer from \(range.lowerBound) to \(range.upperBound).",
                parameter: field.stringValue, code: "invalid_value")
        }
        return value
    }
}

extension KeyedDecodingContainer {
    /// A whole number under `key`, or nil when absent or null. Read as a `Double` first, since
    /// Foundation's decoder reports `1.5` or `2^63` asked as an `Int` as invalid JSON, without
    /// the field's name; numbers past 2⁵³ are beyond every range the admin API takes.
    func decodeWholeNumberIfPresent(forKey key: Key) throws -> Int? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        let number = try decode(Double.self, forKey: key)
        guard number.rounded() == number, number.magnitude <= 9_007_199_254_740_992 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "expected a whole number, got \(number)")
        }
        return Int(number)
    }
}

/// `POST /admin/keys`.
struct KeyCreationBody: AdminRequestBody {
    enum Fields: String, CodingKey, CaseIterable {
        case tenant, budget, rpm, tpm
        case allowedRoutes = "allowed_routes"
    }

    var tenant: String
    var budget: String?
    var rpm: Int?
    var tpm: Int?
    var allowedRoutes: [String]?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Fields.self)
        tenant = try container.decode(String.self, forKey: .tenant)
        budget = try container.decodeIfPresent(String.self, forKey: .budget)
        rpm = try container.decodeWholeNumberIfPresent(forKey: .rpm)
        tpm = try container.decodeWholeNumberIfPresent(forKey: .tpm)
        allowedRoutes = try container.decodeIfPresent([String].self, forKey: .allowedRoutes)
    }
}

/// `POST /admin/route/explain`.
struct ExplainBody: AdminRequestBody {
    enum Fields: String, CodingKey, CaseIterable {
        case model, tenant, needs
        case promptTokens = "prompt_tokens"
        case maxTokens = "max_tokens"
        case personalData = "personal_data"
    }

    var model: String
    var tenant: String?
    var promptTokens: Int?
    var maxTokens: Int?
    var needs: [String]?
    /// Kinds of personal data to suppose the prompt holds (`["email"]`), to see `pii: block` at work.
    var personalData: [String]?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Fields.self)
        model = try container.decode(String.self, forKey: .model)
        tenant = try container.decodeIfPresent(String.self, forKey: .tenant)
        promptTokens = try container.decodeWholeNumberIfPresent(forKey: .promptTokens)
        maxTokens = try container.decodeWholeNumberIfPresent(forKey: .maxTokens)
        needs = try container.decodeIfPresent([String].self, forKey: .needs)
        personalData = try container.decodeIfPresent([String].self, forKey: .personalData)
    }
}
