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
