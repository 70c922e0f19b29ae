/// Tucker-decomposed bilinear fusion (Ben-younes, Cadene, Cord, Thome, "MUTAN: Multimodal Tucker
/// Fusion for Visual Question Answering", 2017, eq. 3–4): a full bilinear map z_k = xᵀ W_k y + b_k
/// with W = T ×₁ W_x ×₂ W_y, so
///
///     x̃ = W_x x + b_x  [B, tx],   ỹ = W_y y + b_y  [B, ty],   z = T ×₁ x̃ ×₂ ỹ + b
///
/// with the core T [tx, ty, out] (key `core`), computed as vec(x̃ ⊗ ỹ) [B, tx·ty] times T reshaped
/// to [tx·ty, out]. Keys: `projections.0` (x → tx), `projections.1` (y → ty), `core`, `bias`.
/// Inputs [x [B, dx], y [B, dy]] (leading dimensions beyond one batch axis are allowed).
public final class BilinearFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let projections: [Linear]
    public let core: Parameter
    public let bias: Parameter

    public init(widths: [Int], projectedWidths: (Int, Int), outputWidth: Int, generator: inout RandomGenerator) {
        precondition(widths.count == 2, "BilinearFusion: needs two modalities, got \(widths.count)")
        self.widths = widths
        let (tx, ty) = projectedWidths
        projections = [Linear(widths[0], tx, generator: &generator), Linear(widths[1], ty, generator: &generator)]
        let bound = 1 / Float(Swift.max(tx * ty, 1)).squareRoot()
        core = Parameter(Tensor.randomUniform([tx, ty, outputWidth], lower: -bound, upper: bound, generator: &generator))
        bias = Parameter(Tensor.randomUniform([outputWidth], lower: -bound, upper: bound, generator: &generator))
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], projectedWidths: (Int, Int), outputWidth: Int) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, projectedWidths: projectedWidths, outputWidth: outputWidth, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "BilinearFusion")
        let x = projections[0](inputs[0]), y = projections[1](inputs[1])
        let lead = Array(x.shape.dropLast())
        let (tx, ty, out) = (core.shape[0], core.shape[1], core.shape[2])
        let outer = (x.reshaped(lead + [tx, 1]) * y.reshaped(lead + [1, ty])).reshaped(lead + [tx * ty])
        return outer.matmul(core.value.reshaped([tx * ty, out])) + bias.value
    }
}
