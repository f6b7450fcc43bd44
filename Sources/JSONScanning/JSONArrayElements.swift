/// The raw elements of a JSON array, as written — for splicing arrays (a stored conversation's
/// items, a request's input) without decoding them.
public enum JSONArrayElements {
    /// The elements of the array document `bytes` (whitespace around it allowed).
    public static func of(document bytes: [UInt8]) throws(JSONScanError) -> [ArraySlice<UInt8>] {
        var scanner = JSONScanner(bytes: bytes)
        scanner.skipWhitespace()
        let elements = try scanner.arrayElements()
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { throw scanner.error("unexpected content after the array") }
        return elements.map { bytes[$0.range] }
    }

    /// The text of a string element, escapes decoded; nil when the element isn't a string.
    public static func string(_ element: ArraySlice<UInt8>) -> String? {
        guard element.first == UInt8(ascii: "\"") else { return nil }
        var scanner = JSONScanner(bytes: Array(element))
        guard let text = try? scanner.scanString(), scanner.isAtEnd else { return nil }
        return text
    }

    /// `elements` written as one array.
    public static func array(_ elements: [ArraySlice<UInt8>]) -> [UInt8] {
        var output: [UInt8] = [UInt8(ascii: "[")]
        for (position, element) in elements.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            output.append(contentsOf: element)
        }
        output.append(UInt8(ascii: "]"))
        return output
    }
}

extension JSONObjectIndex {
    /// The raw elements of the array under `key`; nil when absent or not an array.
    public func rawElements(inArray key: String) -> [ArraySlice<UInt8>]? {
        guard let member = self[key], member.kind == .array else { return nil }
        var scanner = JSONScanner(bytes: bytes, position: member.valueRange.lowerBound)
        return (try? scanner.arrayElements())?.map { bytes[$0.range] }
    }
}
