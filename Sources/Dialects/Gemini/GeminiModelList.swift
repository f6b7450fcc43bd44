import JSONScanning

/// `GET /v1beta/models` and `/v1beta/models/{model}` in Google's shape, for google-genai callers.
public enum GeminiModelList {
    public static func body(models: [String]) -> [UInt8] {
        Array((#"{"models":["# + models.map(model).joined(separator: ",") + "]}").utf8)
    }

    /// One `Model`: named `models/<id>`, offering the methods the gateway serves.
    public static func model(id: String) -> String {
        let name = JSONEncoding.quoted("models/" + id)
        let display = JSONEncoding.quoted(id)
        return
            #"{"name":\#(name),"version":"switchyard","displayName":\#(display),"supportedGenerationMethods":["generateContent","streamGenerateContent","countTokens"]}"#
    }
}
