public import Foundation

extension JSONDecoder {
    /// Decodes bytes from outside the gateway — a client's body, a provider's answer or event, a
    /// file to import — refusing first what Foundation's own decoder traps on.
    ///
    /// Why: in this toolchain's Foundation, a document whose 513th level of nesting opens at its
    /// very last byte (`"[" × 513`) makes the depth-limit error compute its location past the
    /// end, and the process stops (found by the fuzz tests; the gateway's own scanner refuses such
    /// bodies first, but provider answers and events, and imported lines, reach Foundation
    /// directly). A document ending in `[` or `{` is not JSON anyway: it is refused here with
    /// the error Foundation gives for invalid JSON.
    public func decode<T: Decodable>(_ type: T.Type, fromBytes bytes: some BidirectionalCollection<UInt8>) throws -> T {
        var end = bytes.endIndex
        scan: while end > bytes.startIndex {
            let last = bytes.index(before: end)
            switch bytes[last] {
            case 0x20, 0x09, 0x0A, 0x0D: end = last
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                throw DecodingError.dataCorrupted(
                    DecodingError.Context(
                        codingPath: [], debugDescription: "The given data was not valid JSON: it ends inside an array or object."))
            default: break scan
            }
        }
        return try decode(type, from: Data(bytes))
    }
}
