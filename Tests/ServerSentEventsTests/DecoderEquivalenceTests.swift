import NIOCore
import PropertyBased
import Testing

@testable import ServerSentEvents

/// The decoder against the event-stream rules written out plainly, a byte at a time, on
/// generated streams of the bytes that matter (breaks, colons, spaces, field names) cut into
/// generated pieces: the same events, the same raw bytes, the same data.
@Suite struct DecoderEquivalenceTests {
    struct Event: Equatable, CustomStringConvertible {
        var raw: [UInt8]
        var event: String?
        var data: [UInt8]
        var description: String {
            "\(String(decoding: raw, as: UTF8.self).debugDescription) → \(String(decoding: data, as: UTF8.self).debugDescription)"
        }
    }

    /// WHATWG's rules: lines end in CRLF, LF or CR; a blank line ends an event; `data` lines
    /// joined by LF; one space after the colon dropped; what is left at the end is an event when
    /// its data is not empty or it has a name.
    static func reference(_ bytes: [UInt8]) -> [Event] {
        var events: [Event] = []
        var eventStart = 0
        var lineStart = 0
        var name: String?
        var data: [[UInt8]] = []
        var index = 0
        func take(_ line: ArraySlice<UInt8>) {
            guard let first = line.first, first != UInt8(ascii: ":") else { return }
            let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
            var value = line[colon...].dropFirst()
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
            if Array(line[..<colon]) == Array("data".utf8) { data.append(Array(value)) }
            if Array(line[..<colon]) == Array("event".utf8) { name = String(decoding: value, as: UTF8.self) }
        }
        while index < bytes.count {
            guard bytes[index] == 0x0A || bytes[index] == 0x0D else {
                index += 1
                continue
            }
            let line = bytes[lineStart..<index]
            var next = index + 1
            if bytes[index] == 0x0D {
                guard next < bytes.count else { break }  // half of a CRLF, maybe: the stream ended
                if bytes[next] == 0x0A { next += 1 }
            }
            if line.isEmpty {
                events.append(Event(raw: Array(bytes[eventStart..<next]), event: name, data: Array(data.joined(separator: [0x0A]))))
                (eventStart, name, data) = (next, nil, [])
            } else {
                take(line)
            }
            (index, lineStart) = (next, next)
        }
        if eventStart < bytes.count {
            take(bytes[lineStart..<bytes.count].prefix { $0 != 0x0D })
            let joined = Array(data.joined(separator: [0x0A]))
            if !joined.isEmpty || name != nil {
                events.append(Event(raw: Array(bytes[eventStart...]), event: name, data: joined))
            }
        }
        return events
    }

    static let alphabet: [[UInt8]] = ["data", "event", ":", " ", "\n", "\r", "\r\n", "x", "[DONE]", "{\"a\":1}"].map { Array($0.utf8) }

    @Test func decodesAsTheRulesSay() async {
        let streams = Gen.int(in: 0..<Self.alphabet.count).array(of: 0...60)
        await propertyCheck(count: 3_000, input: zip(streams, Gen.int(in: 1...17))) { tokens, piece in
            let bytes = tokens.flatMap { Self.alphabet[$0] }
            var decoder = ServerSentEventDecoder()
            var events: [Event] = []
            for start in stride(from: 0, to: bytes.count, by: piece) {
                let chunk = ByteBuffer(bytes: bytes[start..<min(bytes.count, start + piece)])
                events += try! decoder.feed(chunk).map {
                    Event(raw: Array($0.raw.readableBytesView), event: $0.event, data: Array($0.data.readableBytesView))
                }
            }
            if let last = decoder.finish() {
                events.append(Event(raw: Array(last.raw.readableBytesView), event: last.event, data: Array(last.data.readableBytesView)))
            }
            #expect(events == Self.reference(bytes), "\(String(decoding: bytes, as: UTF8.self).debugDescription) in pieces of \(piece)")
        }
    }
}
