import Foundation
import GatewayModel
import JSONScanning
import NIOCore
import Testing

@testable import Dialects

/// Foundation's `JSONDecoder` stops the process on a document whose 513th level opens at its last
/// byte; every way such bytes reach it from outside — a client's tool-call arguments, a
/// provider's answer or stream event — is refused as invalid JSON instead. (Without the guard,
/// these tests crash the test process.)
@Suite struct FoundationDepthTrapTests {
    /// Documents that end where the 513th level opens, in the shapes Foundation traps on.
    static let traps = [
        String(repeating: "[", count: 513), " " + String(repeating: "[", count: 513),
        String(repeating: #"{"a":"#, count: 512) + "[", String(repeating: "[", count: 512) + "{ \n",
    ]

    @Test(arguments: traps) func theDecoderRefusesThem(_ document: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Int].self, fromBytes: Array(document.utf8)) }
        #expect((try? JSONDecoder().decode([Int].self, fromBytes: Array(" [1, 2] \n".utf8))) == [1, 2])
    }

    @Test(arguments: traps) func aProviderEventIsRefused(_ document: String) {
        for dialect in [AnthropicDialect() as any ProviderDialect, GeminiDialect(), OpenAIDialect()] {
            var decoder = dialect.makeStreamDecoder()
            #expect(throws: DialectDecodingError.self) { try decoder.decode(ByteBuffer(string: "data: \(document)\n\n")) }
            #expect(throws: DialectDecodingError.self) { try dialect.decodeResponse(Array(document.utf8)) }
        }
    }

    @Test(arguments: traps) func aClientsToolArgumentsAreRefused(_ document: String) throws {
        let arguments = String(decoding: try JSONEncoder().encode(document), as: UTF8.self)
        let body = """
            {"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,
            "tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":\(arguments)}}]},
            {"role":"tool","tool_call_id":"c1","content":"ok"}]}
            """
        let request = try OpenAIChatRequest(body: Array(body.utf8)).canonical()
        let refusal = #expect(throws: GatewayError.self) {
            try GeminiDialect().encode(request, upstreamModel: "gemini-2.5-flash", defaults: OutboundDefaults())
        }
        #expect(refusal?.status == 400)
    }
}
