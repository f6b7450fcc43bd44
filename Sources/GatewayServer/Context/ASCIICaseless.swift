/// Compares header text the way HTTP defines its tokens (`Bearer`, media types): ASCII letters
/// regardless of case, on the bytes — without the lowercased copy and the walk over characters
/// that `String` comparisons make, on every request.
enum ASCIICaseless {
    /// Whether `bytes` spell `expected` (lowercase ASCII), ignoring the case of letters.
    static func equal(_ bytes: some Collection<UInt8>, _ expected: StaticString) -> Bool {
        guard bytes.count == expected.utf8CodeUnitCount else { return false }
        let spelled = UnsafeBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount)
        return zip(bytes, spelled).allSatisfy { lowercased($0) == $1 }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
