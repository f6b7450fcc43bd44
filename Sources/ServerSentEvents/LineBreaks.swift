#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds line breaks in an event stream with `memchr`, which reads many bytes an instruction:
/// a stream is long runs of JSON between breaks, and looking at each byte in Swift was the
/// largest part of relaying one (docs/benchmarks.md).
enum LineBreaks {
    /// The offset of the first CR or LF in `bytes` at or after `start`.
    static func first(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress else { return nil }
        let lineFeed = find(0x0A, in: base, from: start, to: bytes.count)
        // A CR only matters before the first LF (streams mostly have none at all).
        return find(0x0D, in: base, from: start, to: lineFeed ?? bytes.count) ?? lineFeed
    }

    private static func find(_ byte: UInt8, in base: UnsafeRawPointer, from start: Int, to end: Int) -> Int? {
        guard start < end, let found = memchr(base + start, Int32(byte), end - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// Where the line ending at the break at `index` is followed by the next one: past a CR, an
    /// LF, or a CRLF.
    static func end(ofBreakAt index: Int, in bytes: UnsafeRawBufferPointer) -> Int {
        bytes[index] == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A ? index + 2 : index + 1
    }
}
