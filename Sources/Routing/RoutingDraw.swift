import Synchronization

/// The draws behind routing's random choices (a weighted order, exploring a slower target):
/// a SplitMix64 sequence from one seed the system generator gives at start.
///
/// Why: the system generator makes a `getrandom` system call at every draw — one a request on
/// the request's thread — and a routing draw needs an even spread, not secrecy.
enum RoutingDraw {
    private static let state = Atomic<UInt64>(UInt64.random(in: .min ... .max))

    /// A number in `0..<1`.
    static func next() -> Double {
        var mixed = state.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        mixed ^= mixed >> 31
        return Double(mixed >> 11) * 0x1.0p-53
    }
}
