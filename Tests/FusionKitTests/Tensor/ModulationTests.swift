import FusionKit
import Testing

/// `Tensor.modulated` (FiLM's per-channel scale and shift): every path against the reference,
/// forward and gradients, and which path ran.
@Suite("Modulation")
struct ModulationTests {
    /// Output and the gradients of input, scale and shift on `path`, and the paths logged.
    static func run(_ path: ModulationPath, shape: [Int], offset: Float, seed: UInt64) -> (Tensor, [Tensor], [String]) {
        let x = random(shape, seed: seed).requiringGradient()
        let scale = random([shape[0], shape[1]], seed: seed + 1).requiringGradient()
        let shift = random([shape[0], shape[1]], seed: seed + 2).requiringGradient()
        let log = KernelPathLog()
        let y = KernelPathLog.$current.withValue(log) {
            Tensor.$forcedModulationPath.withValue(path) { x.modulated(scale: scale, shift: shift, scaleOffset: offset) }
        }
        y.backward(random(y.shape, seed: seed + 3))
        return (y, [x.gradient!, scale.gradient!, shift.gradient!], log.paths(of: "modulated"))
    }

    @Test("each path runs when forced and matches the reference, forward and backward",
          arguments: ModulationPath.allCases, [[2, 3, 5, 4], [3, 4], [64, 32, 10, 10]])
    func matchesTheReference(path: ModulationPath, shape: [Int]) {
        for offset: Float in [0, 1] {
            let (y, gradients, ran) = Self.run(path, shape: shape, offset: offset, seed: 5)
            let (expected, expectedGradients, _) = Self.run(.reference, shape: shape, offset: offset, seed: 5)
            #expect(ran == [path.rawValue])
            #expect(isClose(y, expected, relative: 1e-5, absolute: 1e-6), "\(shape) offset \(offset): output off by \(maxDifference(y, expected))")
            for (name, (actual, reference)) in zip(["input", "scale", "shift"], zip(gradients, expectedGradients)) {
                #expect(isClose(actual, reference, relative: 1e-4, absolute: 1e-5),
                        "\(shape) offset \(offset): \(name) gradient off by \(maxDifference(actual, reference))")
            }
        }
    }

    @Test func theReferenceIsTheDefinition() {
        let x = Tensor([1, 2, 3, 4, 5, 6, 7, 8], shape: [2, 2, 2])
        let scale = Tensor([1, 2, 3, 4], shape: [2, 2]), shift = Tensor([10, 20, 30, 40], shape: [2, 2])
        for path in ModulationPath.allCases {
            let y = Tensor.$forcedModulationPath.withValue(path) { x.modulated(scale: scale, shift: shift, scaleOffset: 1) }
            // Example 0: channel 0 × 2 + 10, channel 1 × 3 + 20; example 1: × 4 + 30, × 5 + 40.
            #expect(y.scalars == [12, 14, 29, 32, 50, 54, 75, 80], "\(path)")
        }
    }
}
