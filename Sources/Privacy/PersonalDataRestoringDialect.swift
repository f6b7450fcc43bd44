public import Dialects
public import GatewayModel
import NIOCore

/// A provider dialect whose answers come back with a request's personal data restored: the
/// provider saw placeholders, the caller sees the originals. Wraps the provider's own dialect,
/// so the proxy treats a masked exchange like any translated one.
public struct PersonalDataRestoringDialect: ProviderDialect {
    public let wrapped: any ProviderDialect
    public let vault: PersonalDataVault

    public init(_ wrapped: any ProviderDialect, vault: PersonalDataVault) {
        self.wrapped = wrapped
        self.vault = vault
    }

    public func encode(_ request: ChatRequest, upstreamModel: String, defaults: OutboundDefaults) throws(GatewayError) -> OutboundRequest {
        try wrapped.encode(request, upstreamModel: upstreamModel, defaults: defaults)
    }

    public func decodeResponse(_ body: [UInt8]) throws(DialectDecodingError) -> ChatResponse {
        try wrapped.decodeResponse(body).restoringPersonalData(from: vault)
    }

    public func makeStreamDecoder() -> any ChatStreamDecoding {
        RestoringStreamDecoder(wrapped: wrapped.makeStreamDecoder(), vault: vault)
    }
}

/// Restores placeholders in text and tool-argument deltas, holding back a placeholder split
/// across deltas until it is whole; anything held is released before the next other event.
struct RestoringStreamDecoder: ChatStreamDecoding {
    var wrapped: any ChatStreamDecoding
    let vault: PersonalDataVault
    private var text = PlaceholderRestoringBuffer()
    private var arguments: [Int: PlaceholderRestoringBuffer] = [:]

    init(wrapped: any ChatStreamDecoding, vault: PersonalDataVault) {
        self.wrapped = wrapped
        self.vault = vault
    }

    var isComplete: Bool { wrapped.isComplete }

    mutating func decode(_ chunk: ByteBuffer) throws(DialectDecodingError) -> [ChatStreamEvent] {
        restore(try wrapped.decode(chunk))
    }

    mutating func finish() -> [ChatStreamEvent] {
        var events = restore(wrapped.finish())
        flushAll(into: &events)
        return events
    }

    private mutating func restore(_ events: [ChatStreamEvent]) -> [ChatStreamEvent] {
        var output: [ChatStreamEvent] = []
        output.reserveCapacity(events.count)
        for event in events {
            switch event {
            case .textDelta(let delta):
                let released = text.push(delta, vault: vault)
                if !released.isEmpty { output.append(.textDelta(released)) }
            case .toolCallArgumentsDelta(let index, let delta):
                let released = arguments[index, default: PlaceholderRestoringBuffer()].push(delta, vault: vault)
                if !released.isEmpty { output.append(.toolCallArgumentsDelta(index: index, released)) }
            default:
                flushAll(into: &output)
                output.append(event)
            }
        }
        return output
    }

    private mutating func flushAll(into events: inout [ChatStreamEvent]) {
        if !text.isEmpty { events.append(.textDelta(text.flush(vault: vault))) }
        for index in arguments.keys.sorted() where !(arguments[index]?.isEmpty ?? true) {
            events.append(.toolCallArgumentsDelta(index: index, arguments[index]!.flush(vault: vault)))
        }
    }
}
