import Foundation
import JSONScanning
import NIOCore
import ServerSentEvents

/// Server-sent events whose data are JSON of one shape — how every provider streams. Each
/// stream decoder reads its provider's payloads through this and maps them to canonical events.
struct JSONEventStream<Payload: Decodable>: Sendable {
    private var sse = ServerSentEventDecoder()
    /// Names the payload in errors ("an Anthropic stream event").
    private let payloadName: String

    init(payloadName: String) {
        self.payloadName = payloadName
    }

    /// The payloads of the events completed by `chunk`, in order; a `data: [DONE]` sentinel
    /// comes back as nil.
    mutating func payloads(in chunk: ByteBuffer) throws(DialectDecodingError) -> [Payload?] {
        let events = try sse.events(in: chunk)
        var payloads: [Payload?] = []
        payloads.reserveCapacity(events.count)
        for event in events {
            if event.isDoneSentinel {
                payloads.append(nil)
                continue
            }
            do {
                payloads.append(try JSONDecoder().decode(Payload.self, fromBytes: event.data.readableBytesView))
            } catch {
                throw DialectDecodingError("a stream event is not \(payloadName)")
            }
        }
        return payloads
    }
}
