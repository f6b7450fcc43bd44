import JSONScanning

/// `GET /v1/models` in OpenAI's list format (`ListModelsResponse`), and one `Model`.
public enum OpenAIModelList {
    public static func body(models: [(id: String, ownedBy: String)], created: Int) -> [UInt8] {
        let items = models.map { model(id: $0.id, ownedBy: $0.ownedBy, created: created) }
        return Array((#"{"object":"list","data":["# + items.joined(separator: ",") + "]}").utf8)
    }

    /// One `Model` object (`GET /v1/models/{id}`).
    public static func model(id: String, ownedBy: String, created: Int) -> String {
        #"{"id":\#(JSONEncoding.quoted(id)),"object":"model","created":\#(created),"owned_by":\#(JSONEncoding.quoted(ownedBy))}"#
    }
}
