/// Multimodal factorised high-order pooling, MFH (Yu, Yu, Xiang, Fan, Tao, "Beyond Bilinear:
/// Generalized Multimodal Factorized High-order Pooling for Visual Question Answering", 2018):
/// p cascaded MFB blocks, where block i's expanded joint is multiplied by block i−1's
///
///     e₁ = (U₁ x) ⊙ (V₁ y),   e_i = e_{i−1} ⊙ (U_i x) ⊙ (V_i y),   z_i = MFB-pool(e_i)
///     z  = [z₁; …; z_p]                                              [B, p·o]
///
/// with MFB's pooling and power/L2 normalisation per block. Keys: `blocks.<i>.projections.0/1`.
public final class MFHFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let blocks: [MFBFusion]

    public init(widths: [Int], order: Int = 2, factor: Int, outputWidth: Int, sqrtEpsilon: Float = 1e-8,
                normEpsilon: Float = 1e-12, generator: inout RandomGenerator) {
        precondition(order >= 1, "MFHFusion: order must be at least 1, got \(order)")
        self.widths = widths
        blocks = (0..<order).map { _ in
            MFBFusion(widths: widths, factor: factor, outputWidth: outputWidth, sqrtEpsilon: sqrtEpsilon,
                      normEpsilon: normEpsilon, generator: &generator)
        }
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], order: Int = 2, factor: Int, outputWidth: Int, sqrtEpsilon: Float = 1e-8,
                            normEpsilon: Float = 1e-12) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, order: order, factor: factor, outputWidth: outputWidth, sqrtEpsilon: sqrtEpsilon,
                  normEpsilon: normEpsilon, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        var previous: Tensor?
        var outputs: [Tensor] = []
        for block in blocks {
            var expanded = block.joint(inputs)
            if let previous { expanded = expanded * previous }
            outputs.append(block.pool(expanded))
            previous = expanded
        }
        return Tensor.concatenate(outputs, alongAxis: -1)
    }
}
