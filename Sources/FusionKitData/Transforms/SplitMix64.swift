/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny seeded generator whose whole state is one
/// word. The augmentations draw from it so that one `UInt64` seed fixes every random choice on
/// every machine and Swift version (the standard library's `random(in:using:)` mappings are not
/// promised to stay the same, so the draws below map the bits themselves).
///
/// The n-th output for seed `s` is the mix of `s + n · 0x9E3779B97F4A7C15`; the transform
/// fixtures regenerate their larger test images with the same formula in NumPy.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable, Codable {
    /// The state: the seed plus the golden-ratio increment times the number of draws so far.
    public private(set) var state: UInt64

    /// A generator whose stream is fully determined by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    // Deliberate pattern (same shape as Sources/FusionKit/Tensor/RandomGenerator.swift:init(seed:)): FusionKit's SplitMix64 mixer is private to xoshiro's seeding and exposes no stream; this public one is the stream the fixtures reproduce.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A float uniformly distributed in [0, 1): the top 24 bits of the next draw, scaled by 2⁻²⁴
    /// (exact in `Float`).
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A double uniformly distributed in [`range.lowerBound`, `range.upperBound`): the top 53
    /// bits of the next draw mapped linearly onto the range.
    public mutating func nextDouble(in range: ClosedRange<Double>) -> Double {
        let unit = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return range.lowerBound + unit * (range.upperBound - range.lowerBound)
    }

    /// An integer uniformly distributed in `range` (the high 64 bits of a 128-bit product, with
    /// a bias below 2⁻⁵⁰ for the small ranges the augmentations use).
    public mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(span.multipliedFullWidth(by: next()).high)
    }
}
