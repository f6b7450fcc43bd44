import Testing

@testable import GatewayServer

@Suite struct ContentTypeTests {
    @Test(arguments: [
        ("application/json", true), ("application/json; charset=utf-8", true), ("Application/JSON", true),
        (" application/json ;x=y", true), ("application/jsonx", false), ("text/json", false), ("", false),
        ("application/json-patch+json", false),
    ])
    func acceptsOnlyJSON(contentType: String, accepted: Bool) {
        #expect(JSONRequestBody.isJSON(contentType) == accepted)
    }
}
