import Foundation

/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64): the same seed
/// gives the same stream on every machine, so runs and data sets can be reproduced.
///
/// ```swift
/// var generator = RandomGenerator(seed: 42)
/// let w = Tensor.randomNormal([64, 32], generator: &generator)
/// ```
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    /// The four words of generator state; saving and restoring them resumes the stream exactly.
    public private(set) var state: [UInt64]
    private var cachedNormal: Float?

    /// A generator whose stream is fully determined by `seed`.
    public init(seed: UInt64) {
        var mixer = seed
        state = (0..<4).map { _ in
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotate(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotate(state[3], 45)
        return result
    }

    /// A float uniformly distributed in [0, 1), with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A float from the standard normal distribution (Box–Muller; the second value of each pair
    /// is kept for the next call).
    public mutating func nextNormal() -> Float {
        if let value = cachedNormal {
            cachedNormal = nil
            return value
        }
        // 1 - u keeps the logarithm's argument in (0, 1].
        let u1 = 1 - Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let radius = (-2 * Foundation.log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        cachedNormal = Float(radius * Foundation.sin(angle))
        return Float(radius * Foundation.cos(angle))
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// The generator used by random tensor creation when no generator is passed, like PyTorch's
/// global generator. `Random.seed(_:)` resets it.
public enum Random {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var shared = RandomGenerator(seed: 0)

    /// Resets the global generator so that the following random calls repeat.
    public static func seed(_ seed: UInt64) {
        lock.lock(); defer { lock.unlock() }
        shared = RandomGenerator(seed: seed)
    }

    /// A new generator seeded from the global one (advancing it by one draw): what layers made
    /// without an explicit generator use, so `Random.seed` makes them reproducible.
    public static func splitGenerator() -> RandomGenerator {
        withGlobalGenerator { RandomGenerator(seed: $0.next()) }
    }

    /// Runs `body` with exclusive access to the global generator.
    public static func withGlobalGenerator<R>(_ body: (inout RandomGenerator) throws -> R) rethrows -> R {
        lock.lock(); defer { lock.unlock() }
        return try body(&shared)
    }
}
