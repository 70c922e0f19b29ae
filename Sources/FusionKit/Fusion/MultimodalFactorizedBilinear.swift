/// Multimodal factorised bilinear pooling, MFB (Yu, Yu, Fan, Tao, "Multi-modal Factorized Bilinear
/// Pooling with Co-Attention Learning for Visual Question Answering", 2017):
///
///     joint = (U x + b_u) ⊙ (V y + b_v)                 [B, k·o]
///     z_j   = Σ_{i<k} joint_{j·k + i}                   (sum pooling over windows of k)  [B, o]
///     z     ← sign(z) · √(|z| + ε)                      (power normalisation)
///     z     ← z / √(Σ z² + ε₂)                          (L2 normalisation)
///
/// ε (`sqrtEpsilon`, default 1e-8) keeps the gradient of the signed square root finite at 0
/// (there it is 1/(2√ε) instead of ∞); ε₂ (`normEpsilon`, default 1e-12) guards an all-zero z.
/// The paper's dropout on the joint is left to the caller. Keys: `projections.0`, `projections.1`.
public final class MFBFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let projections: [Linear]
    public let factor: Int
    public let outputWidth: Int
    public let sqrtEpsilon: Float
    public let normEpsilon: Float

    public init(widths: [Int], factor: Int, outputWidth: Int, sqrtEpsilon: Float = 1e-8, normEpsilon: Float = 1e-12,
                generator: inout RandomGenerator) {
        precondition(widths.count == 2, "MFBFusion: needs two modalities, got \(widths.count)")
        self.widths = widths
        self.factor = factor
        self.outputWidth = outputWidth
        self.sqrtEpsilon = sqrtEpsilon
        self.normEpsilon = normEpsilon
        projections = makeProjections(widths, to: factor * outputWidth, generator: &generator)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], factor: Int, outputWidth: Int, sqrtEpsilon: Float = 1e-8,
                            normEpsilon: Float = 1e-12) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, factor: factor, outputWidth: outputWidth, sqrtEpsilon: sqrtEpsilon,
                  normEpsilon: normEpsilon, generator: &generator)
    }

    /// The expanded joint (U x) ⊙ (V y), [B, k·o].
    public func joint(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "MFBFusion")
        return projections[0](inputs[0]) * projections[1](inputs[1])
    }

    /// Sum pooling over windows of `factor`, then power and L2 normalisation: [B, k·o] → [B, o],
    /// as one fused node (`Tensor.factorPooledSignedRoot`).
    public func pool(_ joint: Tensor) -> Tensor {
        joint.factorPooledSignedRoot(factor: factor, sqrtEpsilon: sqrtEpsilon, normEpsilon: normEpsilon)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor { pool(joint(inputs)) }
}

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
