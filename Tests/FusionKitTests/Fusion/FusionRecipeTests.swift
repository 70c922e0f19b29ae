// Imported without @testable: the recipe in Docs/Fusion.md ("Writing a strategy") must build from
// FusionKit's public API alone.
import FusionKit
import Testing

// The recipe's code, as it stands in Docs/Fusion.md.

/// [u; v; |u − v|; u ⊙ v] of two modalities projected to one width: 4 · width features.
public final class MatchingFeaturesFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let projections: [Linear]

    public init(widths: [Int], width: Int, generator: inout RandomGenerator) {
        precondition(widths.count == 2, "MatchingFeaturesFusion: two modalities, got widths \(widths)")
        self.widths = widths
        projections = makeProjections(widths, to: width, generator: &generator)
        super.init()
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "MatchingFeaturesFusion")
        let u = projections[0](inputs[0]), v = projections[1](inputs[1])
        return Tensor.concatenate([u, v, (u - v).abs(), u * v], alongAxis: u.rank - 1)
    }
}

@Suite("The fusion-strategy recipe")
struct FusionRecipeTests {
    @Test("the recipe's strategy has PyTorch-style keys, computes its formula and differentiates")
    func recipe() {
        var generator = RandomGenerator(seed: 7)
        let fusion = MatchingFeaturesFusion(widths: [3, 5], width: 4, generator: &generator)
        #expect(fusion.namedParameters().map(\.0).sorted()
                == ["projections.0.bias", "projections.0.weight", "projections.1.bias", "projections.1.weight"])

        let question = Tensor.randomNormal([2, 3], generator: &generator)
        let image = Tensor.randomNormal([2, 5], generator: &generator)
        let fused = fusion(question, image)
        #expect(fused.shape == [2, 16])
        // The formula, element by element, from each projection's own output.
        let u = fusion.projections[0](question).scalars, v = fusion.projections[1](image).scalars
        for row in 0..<2 {
            for j in 0..<4 {
                let (a, b) = (u[row * 4 + j], v[row * 4 + j])
                let expected = [a, b, Swift.abs(a - b), a * b]
                for (block, value) in expected.enumerated() {
                    #expect(Swift.abs(fused.scalars[row * 16 + block * 4 + j] - value) <= 1e-6)
                }
            }
        }
        // Inputs away from |u − v|'s kink at 0 by more than the finite-difference step.
        expectGradients([question, image], parameters: fusion.parameters()) { fusion($0[0], $0[1]) }
    }
}
