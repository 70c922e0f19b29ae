// Imported without @testable: the recipe in Docs/Architecture.md ("Adding an operation") must
// build from FusionKit's public API alone.
import FusionKit
import Testing

// The recipe's code, as it stands in Docs/Architecture.md.

extension Tensor {
    /// softsign(x) = x / (1 + |x|), element by element; its derivative is 1 / (1 + |x|)².
    public func softsign() -> Tensor {
        let denominator = withoutGradient { 1 + self.abs() }
        let value = withoutGradient { self / denominator }
        return Tensor.differentiable("softsign", result: value, inputs: [self]) { g in
            [g / (denominator * denominator)]
        }
    }
}

@Suite("The operation recipe")
struct OperationRecipeTests {
    @Test("the recipe's operation computes its formula, differentiates, and records only when asked")
    func recipe() {
        let x = Tensor([-3, -0.5, 0.25, 2], shape: [2, 2])
        let expected: [Float] = [-0.75, -1.0 / 3, 0.2, 2.0 / 3]
        for (actual, wanted) in zip(x.softsign().scalars, expected) { #expect(abs(actual - wanted) <= 1e-6) }
        #expect(!x.softsign().requiresGradient)

        var generator = RandomGenerator(seed: 5)
        expectGradients([Tensor.randomNormal([3, 4], generator: &generator)]) { $0[0].softsign() }
    }
}
