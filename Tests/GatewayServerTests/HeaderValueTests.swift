import HTTPTypes
import Testing

@testable import GatewayServer

/// `value(of:)` answers what the subscript does — none, the one value, several joined — only
/// without building a string for one.
@Suite struct HeaderValueTests {
    @Test func answersAsTheSubscriptDoes() {
        var fields = HTTPFields()
        fields.append(HTTPField(name: .contentType, value: "application/json"))
        fields.append(HTTPField(name: .accept, value: "text/event-stream"))
        fields.append(HTTPField(name: .accept, value: "application/json"))
        fields.append(HTTPField(name: .cookie, value: "a=1"))
        fields.append(HTTPField(name: .cookie, value: "b=2"))
        for name in [HTTPField.Name.contentType, .accept, .cookie, .authorization] {
            #expect(fields.value(of: name) == fields[name])
        }
        #expect(fields.value(of: .accept) == "text/event-stream, application/json")
        #expect(fields.value(of: HTTPField.Name("Content-Type")!) == "application/json")
        #expect(fields.value(of: .authorization) == nil)
    }
}
