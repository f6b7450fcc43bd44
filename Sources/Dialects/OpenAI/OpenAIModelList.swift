import JSONScanning

/// `GET /v1/models` in OpenAI's list format (`ListModelsResponse`).
public enum OpenAIModelList {
    public static func body(models: [(id: String, ownedBy: String)], created: Int) -> [UInt8] {
        var json = #"{"object":"list","data":["#
        for (offset, model) in models.enumerated() {
            if offset > 0 { json += "," }
            json += #"{"id":"# + (JSONEncoding.string(model.id) as String)
            json += #","object":"model","created":\#(created),"owned_by":"#
            json += (JSONEncoding.string(model.ownedBy) as String) + "}"
        }
        json += "]}"
        return Array(json.utf8)
    }
}
