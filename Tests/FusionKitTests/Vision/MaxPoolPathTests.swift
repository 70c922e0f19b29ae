@testable import FusionKit
import Testing

/// Max pooling's two paths (`MaxPoolPath`): without a gradient to record it runs
/// `.withoutWinners`, which must give exactly the reference's maxima (−∞ and NaN included) on
/// every window shape; with one it runs `.reference`, whatever is forced.
@Suite("Max pooling paths")
struct MaxPoolPathTests {
    /// Each pooling, on a map with −∞ and NaN placed among random values.
    static let poolings: [(String, @Sendable (Tensor) -> Tensor)] = [
        ("2×2", { $0.maxPool2d(kernel: (2, 2)) }),
        ("3×3 stride 2 padding 1", { $0.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }),
        ("3×2 stride 1 padding (1, 1)", { $0.maxPool2d(kernel: (3, 2), stride: (1, 1), padding: (1, 1)) }),
        ("adaptive 3×4", { $0.adaptiveMaxPool2d(outputSize: (3, 4)) }),
    ]

    static func map() -> Tensor {
        var values = random([2, 3, 9, 7], seed: 91).scalars
        values[5] = -.infinity
        values[70] = .nan  // plane 1, row 1, column 0: first in its windows
        values[94] = .nan  // plane 1, row 4, column 3: inside or last in some windows
        for index in 126..<147 { values[index] = -.infinity }  // the first three rows of the third plane
        return Tensor(values, shape: [2, 3, 9, 7])
    }

    static func pooled(_ pooling: @Sendable (Tensor) -> Tensor, _ x: Tensor, forcing path: MaxPoolPath?) -> (Tensor, [String]) {
        let log = KernelPathLog()
        let y = KernelPathLog.$current.withValue(log) { Tensor.$forcedMaxPoolPath.withValue(path) { pooling(x) } }
        return (y, log.paths(of: "maxPool2d") + log.paths(of: "adaptiveMaxPool2d"))
    }

    @Test("without winners gives the reference's maxima", arguments: 0..<4)
    func samePooling(index: Int) {
        let (name, pooling) = Self.poolings[index]
        let x = Self.map()
        let (fast, fastPaths) = withoutGradient { Self.pooled(pooling, x, forcing: nil) }
        let (reference, referencePaths) = withoutGradient { Self.pooled(pooling, x, forcing: .reference) }
        #expect(fastPaths == [MaxPoolPath.withoutWinners.rawValue], "\(name)")
        #expect(referencePaths == [MaxPoolPath.reference.rawValue], "\(name)")
        #expect(fast.shape == reference.shape)
        let same = zip(fast.scalars, reference.scalars).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
        #expect(same, "\(name): \(fast.scalars) against \(reference.scalars)")
        #expect(fast.scalars.contains { $0.isNaN } && fast.scalars.contains(-.infinity), "\(name): the map's NaN and −∞ reach the output")
    }

    @Test("a recorded gradient runs the reference path, even when the other is forced")
    func gradientRunsTheReference() {
        let x = Self.map().requiringGradient()
        let (_, paths) = Self.pooled(Self.poolings[1].1, x, forcing: .withoutWinners)
        #expect(paths == [MaxPoolPath.reference.rawValue])
    }
}
