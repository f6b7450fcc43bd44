/// Arrays of JSON numbers read straight into floating point: embedding vectors, which are most
/// of an embeddings answer, read tens of times faster than through `JSONDecoder`.
public enum JSONNumbers {
    /// The numbers of the JSON array `json` (`[0.25,-1e-3]`, whitespace allowed); nil when it is
    /// anything else.
    public static func floats(_ json: ArraySlice<UInt8>) -> [Float]? {
        json.withUnsafeBufferPointer { buffer in
            var reader = Reader(buffer: buffer)
            return reader.floats()
        }
    }

    /// Exact powers of ten: up to 10²² a `Double` holds them exactly.
    private static let powersOfTen: [Double] = (0...22).map { exponent in (0..<exponent).reduce(1.0) { value, _ in value * 10 } }

    private struct Reader {
        let buffer: UnsafeBufferPointer<UInt8>
        var index = 0

        static let (open, close, comma, minus, plus, dot) = (
            UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ","), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: ".")
        )

        var current: UInt8 { index < buffer.count ? buffer[index] : 0 }

        mutating func skipWhitespace() {
            while index < buffer.count {
                switch buffer[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func floats() -> [Float]? {
            skipWhitespace()
            guard current == Self.open else { return nil }
            index += 1
            var values: [Float] = []
            values.reserveCapacity(buffer.count / 8)
            let found: Bool = JSONNumbers.powersOfTen.withUnsafeBufferPointer { powers in
                skipWhitespace()
                if current == Self.close {
                    index += 1
                    return true
                }
                while true {
                    skipWhitespace()
                    guard let value = number(powers) else { return false }
                    values.append(Float(value))
                    skipWhitespace()
                    switch current {
                    case Self.comma: index += 1
                    case Self.close:
                        index += 1
                        return true
                    default: return false
                    }
                }
            }
            skipWhitespace()
            return found && index == buffer.count ? values : nil
        }

        /// Digits from `index` folded into `mantissa` while it has fewer than 19 significant
        /// digits (`scale` counts those kept after the point, `dropped` those left out before it).
        mutating func digits(into mantissa: inout UInt64, significant: inout Int, afterPoint: Bool, exponent: inout Int) -> Int {
            let start = index
            while index < buffer.count {
                let digit = buffer[index] &- 0x30
                guard digit < 10 else { break }
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    if mantissa > 0 { significant += 1 }
                    if afterPoint { exponent -= 1 }
                } else if !afterPoint {
                    exponent += 1
                }
                index += 1
            }
            return index - start
        }

        /// One JSON number. Up to 19 significant digits and a power of ten within ±22 are exact
        /// in a `Double` and give a correctly rounded quotient or product; anything else (rare in
        /// vectors) is read by the standard library.
        mutating func number(_ powers: UnsafeBufferPointer<Double>) -> Double? {
            let start = index
            let negative = current == Self.minus
            if negative { index += 1 }
            var mantissa: UInt64 = 0
            var significant = 0
            var exponent = 0
            guard digits(into: &mantissa, significant: &significant, afterPoint: false, exponent: &exponent) > 0 else { return nil }
            if current == Self.dot {
                index += 1
                guard digits(into: &mantissa, significant: &significant, afterPoint: true, exponent: &exponent) > 0 else { return nil }
            }
            if current | 0x20 == UInt8(ascii: "e") {
                index += 1
                let negativeExponent = current == Self.minus
                if negativeExponent || current == Self.plus { index += 1 }
                var value = 0
                let exponentStart = index
                while index < buffer.count, case let digit = buffer[index] &- 0x30, digit < 10 {
                    value = min(value * 10 + Int(digit), 100_000)
                    index += 1
                }
                guard index > exponentStart else { return nil }
                exponent += negativeExponent ? -value : value
            }
            if mantissa < 1 << 53, exponent >= -22, exponent <= 22 {
                let magnitude = exponent < 0 ? Double(mantissa) / powers[-exponent] : Double(mantissa) * powers[exponent]
                return negative ? -magnitude : magnitude
            }
            return Double(String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<index]), as: UTF8.self))
        }
    }
}
