/// Finding a byte pattern in raw bytes: the fast path's way of asking "could this contain X?"
/// before (or instead of) scanning JSON.
enum ByteSearch {
    /// The first offset at or after `start` where `needle` occurs in `haystack`.
    static func firstIndex<Bytes: RandomAccessCollection>(
        of needle: [UInt8], in haystack: Bytes, from start: Int = 0
    ) -> Int? where Bytes.Element == UInt8, Bytes.Index == Int {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex + start
        let last = haystack.endIndex - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index - haystack.startIndex }
            }
            index += 1
        }
        return nil
    }
}
