import Foundation
import GatewayModel
import Testing

@testable import Dialects

/// Golden fixtures for each mapping between dialects (structured output, parallel tools,
/// multi-part tool results, empty turns): every request in `Fixtures/Mappings/<case>.json`, read
/// as its inbound dialect and encoded for every other, must give the body and the dropped names
/// in `<case>.golden.json`.
///
/// After a deliberate change, `SWITCHYARD_UPDATE_GOLDEN=1 swift test --filter MappingGoldenTests`
/// rewrites the golden files; review their diff like code.
@Suite struct MappingGoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/Mappings")

    static var cases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".golden.json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Reads a request body as `dialect`'s inbound request, in canonical form.
    static func canonical(_ body: [UInt8], from dialect: String) throws -> ChatRequest {
        switch dialect {
        case "openai": try OpenAIChatRequest(body: body).canonical()
        case "anthropic": try AnthropicMessagesRequest(body: body).canonical()
        case "gemini": try GeminiGenerateRequest(body: body, model: "m", stream: false).canonical()
        default: throw GatewayError.invalidRequest("no inbound dialect \(dialect)")
        }
    }

    static let outbound: [(String, any ProviderDialect)] = [
        ("openai", OpenAIDialect()), ("anthropic", AnthropicDialect()), ("gemini", GeminiDialect()),
    ]

    static func jsonObject(_ data: Data) throws -> Any {
        try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    static func text(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self)
    }

    @Test(arguments: cases) func aMappingMatchesItsGoldenFile(_ name: String) throws {
        let source = try #require(
            try Self.jsonObject(Data(contentsOf: Self.directory.appendingPathComponent("\(name).json"))) as? [String: Any])
        var produced: [String: Any] = [:]
        for (inbound, request) in source.sorted(by: { $0.key < $1.key }) {
            let body = try JSONSerialization.data(withJSONObject: request)
            let canonical = try Self.canonical(Array(body), from: inbound)
            for (target, dialect) in Self.outbound where target != inbound {
                let encoded = try dialect.encode(
                    canonical, upstreamModel: "upstream-model", defaults: OutboundDefaults(maxOutputTokens: 256))
                produced["\(inbound)→\(target)"] = ["body": try Self.jsonObject(Data(encoded.body)), "dropped": encoded.dropped]
            }
        }
        let goldenURL = Self.directory.appendingPathComponent("\(name).golden.json")
        if ProcessInfo.processInfo.environment["SWITCHYARD_UPDATE_GOLDEN"] == "1" {
            try (try Self.text(produced) + "\n").write(to: goldenURL, atomically: true, encoding: .utf8)
        }
        let golden = try Self.jsonObject(Data(contentsOf: goldenURL))
        #expect(try Self.text(produced) == (try Self.text(golden)), "\(name): the encoding differs from \(name).golden.json")
    }
}
