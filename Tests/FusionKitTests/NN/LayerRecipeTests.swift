// Imported without @testable: the recipe in Docs/Architecture.md ("Adding a layer") must build
// from FusionKit's public API alone.
import FusionKit
import Testing

// The recipe's code, as it stands in Docs/Architecture.md.

/// y = x / √(mean(x²) + ε) · weight over the last axis, as torch.nn.RMSNorm; key `weight` [features].
public final class RMSNorm: Module {
    public let weight: Parameter
    public let epsilon: Float

    public init(_ features: Int, epsilon: Float = 1e-6) {
        weight = Parameter(Tensor.ones([features]))
        self.epsilon = epsilon
        super.init()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let features = weight.value.count
        precondition(x.rank >= 1 && x.shape[x.rank - 1] == features,
                     "RMSNorm: input of shape \(x.shape) does not end in \(features) features")
        let meanSquare = (x * x).mean(alongAxes: x.rank - 1, keepingDimensions: true)
        return x * (meanSquare + epsilon).rsqrt() * weight.value
    }
}

@Suite("The layer recipe")
struct LayerRecipeTests {
    @Test("the recipe's layer has its key, computes its formula, loads a state dict and differentiates")
    func recipe() throws {
        let norm = RMSNorm(3)
        #expect(norm.stateDict().keys.sorted() == ["weight"])
        try norm.loadStateDict(["weight": Tensor([1, 2, -0.5], shape: [3])])

        // Rows (1, 2, 2) and (3, 0, -4): mean squares 3 and 25/3.
        let x = Tensor([1, 2, 2, 3, 0, -4], shape: [2, 3])
        let y = norm(x).scalars
        let scales: [Float] = [1 / (3 + 1e-6).squareRoot(), 1 / (25.0 / 3 + 1e-6).squareRoot()]
        let expected: [Float] = [1 * scales[0], 4 * scales[0], -1 * scales[0], 3 * scales[1], 0, 2 * scales[1]]
        for (actual, wanted) in zip(y, expected) { #expect(abs(actual - wanted) <= 1e-6) }

        var generator = RandomGenerator(seed: 3)
        let input = Tensor.randomNormal([4, 3], generator: &generator)
        expectGradients([input], parameters: norm.parameters()) { norm($0[0]) }
    }
}
