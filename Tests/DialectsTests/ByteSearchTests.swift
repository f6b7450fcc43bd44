import PropertyBased
import Testing

@testable import Dialects

/// The byte search finds what a plain search finds — the first occurrence at or after `start`,
/// or none — on raw bytes (memchr) and on any other collection (a loop), in generated
/// haystacks of quotes and key letters.
@Suite struct ByteSearchTests {
    static func plain(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, start >= 0 else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if Array(haystack[index..<(index + needle.count)]) == needle { return index }
            index += 1
        }
        return nil
    }

    @Test func findsWhatAPlainSearchFinds() async {
        let alphabet = Array(#""usage:u"#.utf8)
        let bytes = Gen.int(in: 0..<alphabet.count).map { alphabet[$0] }.array(of: 0...40)
        let patterns = [#""usage""#, "\"u", "u", #""""#, "sage\""].map { Array($0.utf8) }
        let needles = Gen.int(in: 0..<patterns.count).map { patterns[$0] }
        await propertyCheck(count: 5_000, input: zip(bytes, needles, Gen.int(in: 0...42))) { haystack, needle, start in
            let expected = Self.plain(needle, in: haystack, from: start)
            #expect(ByteSearch.firstIndex(of: needle, in: haystack, from: start) == expected)
            #expect(haystack.withUnsafeBytes { ByteSearch.firstIndex(of: needle, in: $0, from: start) } == expected)
            #expect(ByteSearch.firstIndex(of: needle, in: haystack.lazy.map { $0 }, from: start) == expected)  // not contiguous
            // A slice: offsets count from its start.
            let sliced = [0x7B] + haystack
            #expect(ByteSearch.firstIndex(of: needle, in: sliced[1...], from: start) == expected)
        }
    }
}
