/// A validating, non-allocating JSON tokenizer (RFC 8259) that skips values and reports their ranges.
///
/// Internal: callers use ``JSONObjectIndex``. Nesting is bounded so hostile input can't
/// exhaust the stack.
struct JSONScanner {
    static let maximumDepth = 512

    let bytes: [UInt8]
    var position: Int

    init(bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var isAtEnd: Bool { position >= bytes.count }

    func error(_ reason: String) -> JSONScanError {
        JSONScanError(offset: position, reason: reason)
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(JSONScanError) {
        guard peek() == byte else {
            throw error(isAtEnd ? "unexpected end of data, expected \(what)" : "expected \(what)")
        }
        position += 1
    }

    /// Scans an object starting at `position`, returning its members and byte range.
    mutating func scanObjectMembers(depth: Int) throws(JSONScanError) -> ([JSONObjectIndex.Member], Range<Int>) {
        let start = position
        guard peek() == UInt8(ascii: "{") else {
            throw error(isAtEnd ? "the body is empty" : "expected a JSON object")
        }
        position += 1
        var members: [JSONObjectIndex.Member] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return (members, start..<position)
        }
        while true {
            skipWhitespace()
            let keyStart = position
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try scanString()
            let keyRange = keyStart..<position
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            let valueStart = position
            let kind = try skipValue(depth: depth + 1)
            members.append(.init(key: key, keyRange: keyRange, valueRange: valueStart..<position, kind: kind))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return (members, start..<position)
            default: throw error(isAtEnd ? "unexpected end of data inside an object" : "expected ',' or '}'")
            }
        }
    }

    /// Skips one value of any type, returning its kind.
    mutating func skipValue(depth: Int) throws(JSONScanError) -> JSONValueKind {
        guard depth <= Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth)") }
        guard let byte = peek() else { throw error("unexpected end of data, expected a value") }
        switch byte {
        case UInt8(ascii: "{"):
            try skipContainer(close: UInt8(ascii: "}"), isObject: true, depth: depth)
            return .object
        case UInt8(ascii: "["):
            try skipContainer(close: UInt8(ascii: "]"), isObject: false, depth: depth)
            return .array
        case UInt8(ascii: "\""):
            try skipString()
            return .string
        case UInt8(ascii: "t"):
            try skipLiteral("true")
            return .true
        case UInt8(ascii: "f"):
            try skipLiteral("false")
            return .false
        case UInt8(ascii: "n"):
            try skipLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try skipNumber()
            return .number
        default:
            throw error("unexpected character '\(Unicode.Scalar(byte))'")
        }
    }

    /// Walks the array at `position` to just past its `]`, calling `element` with the scanner at
    /// each element's first byte; `element` must move it past that element.
    private mutating func forEachArrayElement(_ element: (inout JSONScanner) throws(JSONScanError) -> Void) throws(JSONScanError) {
        try expect(UInt8(ascii: "["), "'['")
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            if peek() == UInt8(ascii: ",") {
                position += 1
            } else {
                try expect(UInt8(ascii: "]"), "',' or ']'")
                return
            }
        }
    }

    /// The elements of the array at `position`: each one's kind and byte range.
    mutating func arrayElements() throws(JSONScanError) -> [(kind: JSONValueKind, range: Range<Int>)] {
        var elements: [(kind: JSONValueKind, range: Range<Int>)] = []
        try forEachArrayElement { scanner throws(JSONScanError) in
            let start = scanner.position
            let kind = try scanner.skipValue(depth: 1)
            elements.append((kind, start..<scanner.position))
        }
        return elements
    }

    /// The members of each object in the array at `position` (other elements skipped), read in
    /// one pass.
    mutating func arrayObjects() throws(JSONScanError) -> [(members: [JSONObjectIndex.Member], range: Range<Int>)] {
        var objects: [(members: [JSONObjectIndex.Member], range: Range<Int>)] = []
        try forEachArrayElement { scanner throws(JSONScanError) in
            if scanner.peek() == UInt8(ascii: "{") {
                objects.append(try scanner.scanObjectMembers(depth: 1))
            } else {
                _ = try scanner.skipValue(depth: 1)
            }
        }
        return objects
    }

    /// Counts the elements of the array at `position`.
    mutating func countArrayElements() throws(JSONScanError) -> Int {
        var count = 0
        try forEachArrayElement { scanner throws(JSONScanError) in
            _ = try scanner.skipValue(depth: 1)
            count += 1
        }
        return count
    }

    private mutating func skipContainer(close: UInt8, isObject: Bool, depth: Int) throws(JSONScanError) {
        position += 1
        skipWhitespace()
        if peek() == close {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            if isObject {
                guard peek() == UInt8(ascii: "\"") else { throw error("expected a string key") }
                try skipString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':'")
                skipWhitespace()
            }
            _ = try skipValue(depth: depth + 1)
            skipWhitespace()
            guard let byte = peek() else { throw error("unexpected end of data inside a container") }
            if byte == UInt8(ascii: ",") {
                position += 1
            } else if byte == close {
                position += 1
                return
            } else {
                throw error(isObject ? "expected ',' or '}'" : "expected ',' or ']'")
            }
        }
    }

    private mutating func skipLiteral(_ literal: StaticString) throws(JSONScanError) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw error("unexpected end of data in a literal") }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for offset in 0..<count where bytes[position + offset] != expected[offset] {
            throw error("invalid literal")
        }
        position += count
    }

    private mutating func skipNumber() throws(JSONScanError) {
        guard let end = Self.endOfNumber(in: bytes, from: position) else { throw error("invalid number") }
        position = end
    }

    /// Where the number starting at `start` ends, or nil when it isn't one — read without bounds
    /// checks, as numbers (float vectors) can be most of a large document.
    private static func endOfNumber(in bytes: [UInt8], from start: Int) -> Int? {
        bytes.withUnsafeBufferPointer { buffer -> Int? in
            var index = start
            func at(_ position: Int) -> UInt8 { position < buffer.count ? buffer[position] : 0 }
            func digits() -> Int {
                let first = index
                while index < buffer.count, buffer[index] &- UInt8(ascii: "0") < 10 { index += 1 }
                return index - first
            }
            if at(index) == UInt8(ascii: "-") { index += 1 }
            if at(index) == UInt8(ascii: "0") {
                index += 1
            } else if digits() == 0 {
                return nil
            }
            if at(index) == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { return nil }
            }
            if at(index) | 0x20 == UInt8(ascii: "e") {
                index += 1
                if at(index) == UInt8(ascii: "+") || at(index) == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { return nil }
            }
            return index
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        let start = position
        position = bytes.withUnsafeBufferPointer { buffer in
            var index = start
            while index < buffer.count, buffer[index] &- UInt8(ascii: "0") < 10 { index += 1 }
            return index
        }
    }

    /// Skips a string, checking escapes and rejecting raw control characters.
    private mutating func skipString() throws(JSONScanError) {
        position += 1
        while true {
            position = Self.endOfPlainRun(in: bytes, from: position)
            guard position < bytes.count else { throw error("unterminated string") }
            switch bytes[position] {
            case UInt8(ascii: "\""):
                position += 1
                return
            case UInt8(ascii: "\\"): try skipEscape()
            default: throw error("unescaped control character in a string")
            }
        }
    }

    /// Where the run of bytes from `start` that need no care in a string (no quote, backslash or
    /// control character) ends — read without bounds checks, as strings (base64 vectors, long
    /// texts) are most of a large document.
    private static func endOfPlainRun(in bytes: [UInt8], from start: Int) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            var index = start
            while index < buffer.count {
                let byte = buffer[index]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                index += 1
            }
            return index
        }
    }

    private mutating func skipEscape() throws(JSONScanError) {
        position += 1
        guard let byte = peek() else { throw error("unterminated escape") }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            position += 1
        case UInt8(ascii: "u"):
            position += 1
            _ = try scanHex4()
        default:
            throw error("invalid escape")
        }
    }

    private mutating func scanHex4() throws(JSONScanError) -> UInt16 {
        guard position + 4 <= bytes.count else { throw error("invalid \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    /// Decodes the string at `position` (which must start with a quote).
    mutating func scanString() throws(JSONScanError) -> String {
        let start = position + 1
        try skipString()
        let end = position - 1
        let raw = bytes[start..<end]
        guard raw.contains(UInt8(ascii: "\\")) else {
            return String(decoding: raw, as: UTF8.self)
        }
        var units: [UInt16] = []
        var decoder = JSONScanner(bytes: bytes, position: start)
        while decoder.position < end {
            let byte = decoder.bytes[decoder.position]
            if byte != UInt8(ascii: "\\") {
                // Re-encode the UTF-8 run as UTF-16 below; collect scalars bytewise.
                let runStart = decoder.position
                while decoder.position < end, decoder.bytes[decoder.position] != UInt8(ascii: "\\") {
                    decoder.position += 1
                }
                units.append(contentsOf: String(decoding: bytes[runStart..<decoder.position], as: UTF8.self).utf16)
                continue
            }
            decoder.position += 1
            let escaped = decoder.bytes[decoder.position]
            decoder.position += 1
            switch escaped {
            case UInt8(ascii: "b"): units.append(0x08)
            case UInt8(ascii: "f"): units.append(0x0C)
            case UInt8(ascii: "n"): units.append(0x0A)
            case UInt8(ascii: "r"): units.append(0x0D)
            case UInt8(ascii: "t"): units.append(0x09)
            case UInt8(ascii: "u"): units.append(try decoder.scanHex4())
            default: units.append(UInt16(escaped))
            }
        }
        return String(decoding: units, as: UTF16.self)
    }
}
