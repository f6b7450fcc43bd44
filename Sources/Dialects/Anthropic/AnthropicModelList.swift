import Foundation
import JSONScanning

/// `GET /v1/models` and `/v1/models/{id}` in Anthropic's shapes (`ModelInfo`, the paged list),
/// for Anthropic SDK callers.
public enum AnthropicModelList {
    /// One page holding every model (`has_more: false`).
    public static func body(models: [String], createdAt: Date) -> [UInt8] {
        let items = models.map { model(id: $0, createdAt: createdAt) }
        var json = #"{"data":["# + items.joined(separator: ",") + #"],"has_more":false"#
        json += #","first_id":"# + (models.first.map { JSONEncoding.quoted($0) } ?? "null")
        json += #","last_id":"# + (models.last.map { JSONEncoding.quoted($0) } ?? "null") + "}"
        return Array(json.utf8)
    }

    /// One `ModelInfo`; the id doubles as its display name.
    public static func model(id: String, createdAt: Date) -> String {
        let name = JSONEncoding.quoted(id)
        return #"{"type":"model","id":\#(name),"display_name":\#(name),"created_at":"\#(timestamp(createdAt))"}"#
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .omitted))
    }
}
