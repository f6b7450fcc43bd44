/// Arithmetic on numbers that come from outside — a request, a provider's answer, a config
/// file, the ledger — held at the type's bounds instead of trapping: one absurd number must
/// never take the process (and every other tenant's streams) down.
extension FixedWidthInteger {
    /// `self + other`, or the nearest bound when that overflows.
    public func saturatingAdding(_ other: Self) -> Self {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }

    /// `self - other`, or the nearest bound when that overflows.
    public func saturatingSubtracting(_ other: Self) -> Self {
        let (difference, overflow) = subtractingReportingOverflow(other)
        guard overflow else { return difference }
        return other > 0 ? .min : .max
    }

    /// `self × other`, or the nearest bound when that overflows.
    public func saturatingMultiplied(by other: Self) -> Self {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        guard overflow else { return product }
        return (self < 0) == (other < 0) ? .max : .min
    }
}

extension BinaryFloatingPoint {
    /// The nearest `Int`, held at Int's bounds (NaN counts as 0): `Int(_:)` traps on both.
    public var clampedInt: Int {
        guard !isNaN else { return 0 }
        if self >= Self(Int.max) { return .max }
        if self <= Self(Int.min) { return .min }
        return Int(self)
    }
}

extension Duration {
    /// Whole nanoseconds, held at Int64's bounds (a `Duration` reaches far beyond them).
    public var wholeNanoseconds: Int64 {
        components.seconds.saturatingMultiplied(by: 1_000_000_000).saturatingAdding(components.attoseconds / 1_000_000_000)
    }

    /// Whole milliseconds (toward zero), held at Int64's bounds: for messages and log lines.
    public var wholeMilliseconds: Int64 {
        components.seconds.saturatingMultiplied(by: 1000).saturatingAdding(components.attoseconds / 1_000_000_000_000_000)
    }
}
