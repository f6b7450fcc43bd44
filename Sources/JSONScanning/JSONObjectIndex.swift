/// The members of one JSON object located by byte range, after validating the whole text.
///
/// Why: the same-dialect fast path must read a handful of fields (`model`, `stream`, `usage`)
/// and splice a few others, without paying for a full decode and re-encode of bodies and
/// stream chunks it passes through. Scanning validates every byte (malformed JSON is still a 400)
/// but allocates only the member table.
public struct JSONObjectIndex: Sendable {
    /// One `"key": value` pair; ranges are byte offsets into ``bytes``.
    public struct Member: Sendable, Hashable {
        public let key: String
        public let keyRange: Range<Int>
        public let valueRange: Range<Int>
        public let kind: JSONValueKind
    }

    public let bytes: [UInt8]
    public let members: [Member]
    /// Offset of the object's closing `}` — where new members are inserted.
    public let closingBrace: Int
    /// The object's own byte range (it may be nested inside `bytes`).
    public let objectRange: Range<Int>

    /// Scans a whole document whose top-level value must be an object.
    public init(document bytes: [UInt8]) throws(JSONScanError) {
        var scanner = JSONScanner(bytes: bytes)
        scanner.skipWhitespace()
        let (members, range) = try scanner.scanObjectMembers(depth: 0)
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { throw scanner.error("unexpected data after the JSON value") }
        self.bytes = bytes
        self.members = members
        self.objectRange = range
        self.closingBrace = range.upperBound - 1
    }

    /// Indexes an object nested in an already validated document.
    public init(object member: Member, in bytes: [UInt8]) throws(JSONScanError) {
        guard member.kind == .object else {
            throw JSONScanError(offset: member.valueRange.lowerBound, reason: "expected an object")
        }
        var scanner = JSONScanner(bytes: bytes, position: member.valueRange.lowerBound)
        let (members, range) = try scanner.scanObjectMembers(depth: 0)
        self.bytes = bytes
        self.members = members
        self.objectRange = range
        self.closingBrace = range.upperBound - 1
    }

    public subscript(key: String) -> Member? {
        // Last one wins, as in most JSON decoders.
        members.last { $0.key == key }
    }

    /// The nested object under `key`, or `nil` when absent or not an object.
    public func object(_ key: String) -> JSONObjectIndex? {
        guard let member = self[key], member.kind == .object else { return nil }
        return try? JSONObjectIndex(object: member, in: bytes)
    }

    public func string(_ key: String) -> String? {
        guard let member = self[key], member.kind == .string else { return nil }
        var scanner = JSONScanner(bytes: bytes, position: member.valueRange.lowerBound)
        return try? scanner.scanString()
    }

    public func bool(_ key: String) -> Bool? {
        switch self[key]?.kind {
        case .true: true
        case .false: false
        default: nil
        }
    }

    /// An integer value; `nil` when absent, not a number, or fractional.
    public func int(_ key: String) -> Int? {
        guard let member = self[key], member.kind == .number else { return nil }
        return Int(decoding: bytes[member.valueRange], as: UTF8.self)
    }

    /// A number value; `nil` when absent or not a number.
    public func double(_ key: String) -> Double? {
        guard let member = self[key], member.kind == .number else { return nil }
        return Double(String(decoding: bytes[member.valueRange], as: UTF8.self))
    }

    /// Number of elements of the array under `key`, without materialising them.
    public func arrayCount(_ key: String) -> Int? {
        guard let member = self[key], member.kind == .array else { return nil }
        var scanner = JSONScanner(bytes: bytes, position: member.valueRange.lowerBound)
        return try? scanner.countArrayElements()
    }

    /// The objects in the array under `key` (other elements skipped); nil when absent or not an
    /// array. One pass: each object is indexed as the array is read (an embeddings answer is
    /// megabytes of such objects).
    public func objects(inArray key: String) -> [JSONObjectIndex]? {
        guard let member = self[key], member.kind == .array else { return nil }
        var scanner = JSONScanner(bytes: bytes, position: member.valueRange.lowerBound)
        guard let objects = try? scanner.arrayObjects() else { return nil }
        return objects.map { JSONObjectIndex(bytes: bytes, members: $0.members, objectRange: $0.range) }
    }

    private init(bytes: [UInt8], members: [Member], objectRange: Range<Int>) {
        self.bytes = bytes
        self.members = members
        self.objectRange = objectRange
        self.closingBrace = objectRange.upperBound - 1
    }

    /// The raw bytes of a member's value, as written.
    public func rawValue(_ key: String) -> ArraySlice<UInt8>? {
        self[key].map { bytes[$0.valueRange] }
    }
}

extension Int {
    fileprivate init?(decoding slice: ArraySlice<UInt8>, as: UTF8.Type) {
        var value = 0
        var negative = false
        var sawDigit = false
        for (offset, byte) in slice.enumerated() {
            if offset == 0, byte == UInt8(ascii: "-") {
                negative = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (multiplied, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = multiplied.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = added
            sawDigit = true
        }
        guard sawDigit else { return nil }
        self = negative ? -value : value
    }
}
