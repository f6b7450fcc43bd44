/// Finds personal data in text: e-mail addresses, phone numbers (international `+…`,
/// mainland-China mobiles, North-American `(555) 123-4567`), PRC resident ID numbers
/// (checksum-validated) and payment card numbers (14–19 digits, Luhn-validated).
///
/// A hand-written byte scanner rather than regular expressions: every pattern is ASCII, the
/// checks that matter (ID checksum, Luhn) aren't expressible as a pattern anyway, and it
/// runs on every prompt of a tenant under a PII policy.
public enum PersonalDataDetector {
    /// One finding: `kind` at the UTF-8 byte offsets `range` of the scanned text.
    public struct Match: Sendable, Hashable {
        public var kind: PersonalDataKind
        public var range: Range<Int>
    }

    /// Every finding in `text`, in order, not overlapping.
    public static func matches(in text: String) -> [Match] {
        var text = text
        return text.withUTF8 { matches(in: $0) }
    }

    static func matches(in bytes: UnsafeBufferPointer<UInt8>) -> [Match] {
        let emails = emails(in: bytes)
        var found: [Match] = []
        var nextEmail = 0
        var index = 0
        while index < bytes.count {
            if nextEmail < emails.count, index >= emails[nextEmail].range.lowerBound {
                found.append(emails[nextEmail])
                index = emails[nextEmail].range.upperBound
                nextEmail += 1
                continue
            }
            let byte = bytes[index]
            let startsNumber =
                byte.isDigit
                || ((byte == UInt8(ascii: "+") || byte == UInt8(ascii: "(")) && index + 1 < bytes.count && bytes[index + 1].isDigit)
            guard startsNumber, index == 0 || !bytes[index - 1].isWordByte else {
                index += 1
                continue
            }
            let limit = nextEmail < emails.count ? emails[nextEmail].range.lowerBound : bytes.count
            if let match = number(in: bytes, from: index, limit: limit) {
                found.append(match)
                index = match.range.upperBound
            } else {
                // Skip the rest of this run of digits: a number is matched from its start only.
                index += 1
                while index < limit, bytes[index].isDigit { index += 1 }
            }
        }
        return found
    }

    // MARK: - E-mail

    /// `local@domain.tld`, local part of `[A-Za-z0-9._%+-]`, a domain with a dot and a
    /// letters-only top-level label of two or more.
    static func emails(in bytes: UnsafeBufferPointer<UInt8>) -> [Match] {
        var found: [Match] = []
        var index = 0
        var searchedUpTo = 0
        while index < bytes.count {
            defer { index += 1 }
            guard bytes[index] == UInt8(ascii: "@") else { continue }
            var start = index
            while start > searchedUpTo, bytes[start - 1].isEmailLocalByte { start -= 1 }
            while start < index, bytes[start] == UInt8(ascii: ".") { start += 1 }
            guard start < index else { continue }
            var end = index + 1
            while end < bytes.count, bytes[end].isDomainByte { end += 1 }
            while end > index + 1, bytes[end - 1] == UInt8(ascii: ".") || bytes[end - 1] == UInt8(ascii: "-") { end -= 1 }
            guard let lastDot = (index + 1..<end).last(where: { bytes[$0] == UInt8(ascii: ".") }),
                lastDot > index + 1, end - lastDot - 1 >= 2,
                (lastDot + 1..<end).allSatisfy({ bytes[$0].isLetter })
            else { continue }
            found.append(Match(kind: .email, range: start..<end))
            searchedUpTo = end
            index = end - 1
        }
        return found
    }

    // MARK: - Numbers

    /// The longest number starting at `start` that is an ID, a card or a phone number. A
    /// number is digit groups joined by single separators (space, `-`, `.`, parentheses);
    /// shorter prefixes are tried too, so "13812345678 13987654321" is two phone numbers.
    static func number(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, limit: Int) -> Match? {
        var index = start
        let international = bytes[index] == UInt8(ascii: "+")
        if international { index += 1 }
        // Digit groups: where each ends, and the digits so far.
        var groups: [(end: Int, digits: [UInt8], grouping: [Int], dotted: Bool)] = []
        var dotted = false
        var digits: [UInt8] = []
        var grouping: [Int] = []
        var openParenthesis = false
        while index < limit, digits.count <= 19 {
            if bytes[index] == UInt8(ascii: "("), !openParenthesis, index + 1 < limit, bytes[index + 1].isDigit {
                openParenthesis = true
                index += 1
            }
            guard index < limit, bytes[index].isDigit else { break }
            var length = 0
            while index < limit, bytes[index].isDigit {
                digits.append(bytes[index] &- UInt8(ascii: "0"))
                length += 1
                index += 1
            }
            // An ID number's last character may be X.
            if digits.count == 17, length == 17, index < limit,
                bytes[index] == UInt8(ascii: "X") || bytes[index] == UInt8(ascii: "x")
            {
                digits.append(10)
                length += 1
                index += 1
            }
            grouping.append(length)
            if openParenthesis, index < limit, bytes[index] == UInt8(ascii: ")") {
                openParenthesis = false
                index += 1
            }
            // A number must not run on into a word ("12345abc").
            if index < bytes.count, bytes[index].isLetter || bytes[index] == UInt8(ascii: "_") { break }
            groups.append((index, digits, grouping, dotted))
            // One separator may join the next group; card numbers are never written with dots.
            guard digits.last != 10, index + 1 < limit, bytes[index].isNumberSeparator,
                bytes[index + 1].isDigit || bytes[index + 1] == UInt8(ascii: "(")
            else { break }
            if bytes[index] == UInt8(ascii: ".") { dotted = true }
            index += 1
        }
        for group in groups.reversed() {
            if let kind = classify(group.digits, grouping: group.grouping, dotted: group.dotted, international: international) {
                return Match(kind: kind, range: start..<group.end)
            }
        }
        return nil
    }

    static func classify(_ digits: [UInt8], grouping: [Int], dotted: Bool, international: Bool) -> PersonalDataKind? {
        if international { return (8...15).contains(digits.count) && !digits.contains(10) ? .phone : nil }
        if digits.count == 18, grouping.count == 1, isResidentID(digits) { return .residentID }
        if digits.contains(10) { return nil }
        if !dotted, (14...19).contains(digits.count), passesLuhn(digits) { return .bankCard }
        if isChineseMobile(digits) { return .phone }
        if digits.count == 13, digits[0] == 8, digits[1] == 6, isChineseMobile(Array(digits[2...])) { return .phone }
        if grouping == [3, 3, 4] { return .phone }
        return nil
    }

    /// 11 digits starting 13–19.
    static func isChineseMobile(_ digits: [UInt8]) -> Bool {
        digits.count == 11 && digits[0] == 1 && digits[1] >= 3
    }

    /// GB 11643: the 18th character is the ISO 7064 MOD 11-2 check of the first 17.
    static func isResidentID(_ digits: [UInt8]) -> Bool {
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        guard digits.count == 18, !digits[..<17].contains(10) else { return false }
        let sum = zip(digits, weights).reduce(0) { $0 + Int($1.0) * $1.1 }
        let check: [UInt8] = [1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2]
        return digits[17] == check[sum % 11]
    }

    static func passesLuhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (position, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if position % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    fileprivate var isLetter: Bool { (self | 0x20) >= UInt8(ascii: "a") && (self | 0x20) <= UInt8(ascii: "z") }
    /// Letters, digits and `_`: a number glued to one of these is part of a word or code.
    fileprivate var isWordByte: Bool { isDigit || isLetter || self == UInt8(ascii: "_") }
    fileprivate var isEmailLocalByte: Bool {
        isDigit || isLetter || self == UInt8(ascii: ".") || self == UInt8(ascii: "_") || self == UInt8(ascii: "%")
            || self == UInt8(ascii: "+") || self == UInt8(ascii: "-")
    }
    fileprivate var isDomainByte: Bool { isDigit || isLetter || self == UInt8(ascii: ".") || self == UInt8(ascii: "-") }
    fileprivate var isNumberSeparator: Bool {
        self == UInt8(ascii: " ") || self == UInt8(ascii: "-") || self == UInt8(ascii: ".")
    }
}
