import Foundation
import JSONScanning
import Testing

/// Vectors read straight from JSON numbers: the same floats the standard library reads, and
/// nothing that isn't an array of numbers.
@Suite struct JSONNumbersTests {
    func floats(_ text: String) -> [Float]? { JSONNumbers.floats(ArraySlice(Array(text.utf8))) }

    @Test func everyWayOfWritingANumber() {
        #expect(floats("[]") == [])
        #expect(floats(" [ 1 , -2.5,0.125e1, 3E-2 ,-0, 1e+2 ] ") == [1, -2.5, 1.25, 0.03, 0, 100])
        #expect(floats("[12345678901234567890123, 1e300, 5e-324, 0.000000000000000000000000001]") == [1.2345679e22, .infinity, 0, 1e-27])
    }

    @Test(arguments: ["", "[", "[1,]", "[,1]", "[1 2]", "[\"1\"]", "[1]x", "[.5]", "[1.]", "[1e]", "[-]", "[null]", "{}", "[[1]]"])
    func anythingElseIsNil(_ text: String) {
        #expect(floats(text) == nil)
    }

    @Test func theSameFloatsTheStandardLibraryReads() {
        var generator = SystemRandomNumberGenerator()
        var values: [Float] = []
        for _ in 0..<20_000 {
            let magnitude =
                Float.random(in: -1...1, using: &generator) * Float(pow(10, Double(Int.random(in: -12...12, using: &generator))))
            values.append(magnitude)
        }
        let shortest = "[" + values.map { "\($0)" }.joined(separator: ",") + "]"
        #expect(floats(shortest) == values)
        // Providers write doubles: 17 significant digits, read and rounded to Float as the standard library does.
        let doubles = values.map { Double($0) * (1 + 1e-9) }
        let long = "[" + doubles.map { String(format: "%.17g", $0) }.joined(separator: ",") + "]"
        let read = floats(long)
        #expect(read == doubles.map { Float(String(format: "%.17g", $0))! })
    }
}
