#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finding a byte pattern in raw bytes: the fast path's way of asking "could this contain X?"
/// before (or instead of) scanning JSON.
enum ByteSearch {
    /// The first offset at or after `start` where `needle` occurs in `haystack`.
    ///
    /// Contiguous bytes are searched with the C library's `memchr` for the needle's second byte,
    /// each hit then compared whole: the patterns are quoted keys, and JSON is so full of quotes
    /// that a byte-at-a-time search for the first stopped every few bytes — the largest cost of
    /// relaying a stream's chunks before (docs/benchmarks.md).
    static func firstIndex<Bytes: RandomAccessCollection>(
        of needle: [UInt8], in haystack: Bytes, from start: Int = 0
    ) -> Int? where Bytes.Element == UInt8, Bytes.Index == Int {
        guard !needle.isEmpty, start >= 0, haystack.count - start >= needle.count else { return nil }
        if let found = haystack.withContiguousStorageIfAvailable({ search(needle, in: UnsafeRawBufferPointer($0), from: start) }) {
            return found
        }
        var index = haystack.startIndex + start
        let last = haystack.endIndex - needle.count
        while index <= last {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index - haystack.startIndex
            }
            index += 1
        }
        return nil
    }

    private static func search(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = haystack.baseAddress else { return nil }
        let anchor = needle.count > 1 ? 1 : 0
        // Past this, the needle would run over the end.
        let anchorEnd = haystack.count - needle.count + anchor + 1
        return needle.withUnsafeBytes { pattern -> Int? in
            var from = start + anchor
            while from < anchorEnd, let hit = memchr(base + from, Int32(needle[anchor]), anchorEnd - from) {
                let offset = base.distance(to: UnsafeRawPointer(hit)) - anchor
                if memcmp(base + offset, pattern.baseAddress!, needle.count) == 0 { return offset }
                from = offset + anchor + 1
            }
            return nil
        }
    }
}
