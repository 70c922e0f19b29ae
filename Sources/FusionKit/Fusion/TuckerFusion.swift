/// MUTAN (Ben-younes, Cadene, Cord, Thome, "MUTAN: Multimodal Tucker Fusion for Visual Question
/// Answering", 2017): a Tucker decomposition whose core is constrained to rank R,
///
///     x̃ = tanh(W_x x + b_x),  ỹ = tanh(W_y y + b_y)
///     z = Σ_{r<R} (W_r^x x̃ + b_r^x) ⊙ (W_r^y ỹ + b_r^y)        [B, m]
///     out = W_o z + b_o
///
/// The R factor matrices of each side are one Linear to R·m (`factors.0`, `factors.1`), read as
/// [B, R, m] and summed over R. Keys: `projections.0/1` (W_x, W_y), `factors.0/1`, `output`.
public final class MUTANFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let projections: [Linear]
    public let factors: [Linear]
    public let output: Linear
    public let rank: Int
    public let joinedWidth: Int

    public init(widths: [Int], projectedWidths: (Int, Int), rank: Int, joinedWidth: Int, outputWidth: Int,
                generator: inout RandomGenerator) {
        precondition(widths.count == 2, "MUTANFusion: needs two modalities, got \(widths.count)")
        self.widths = widths
        self.rank = rank
        self.joinedWidth = joinedWidth
        let (tx, ty) = projectedWidths
        projections = [Linear(widths[0], tx, generator: &generator), Linear(widths[1], ty, generator: &generator)]
        factors = [Linear(tx, rank * joinedWidth, generator: &generator), Linear(ty, rank * joinedWidth, generator: &generator)]
        output = Linear(joinedWidth, outputWidth, generator: &generator)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], projectedWidths: (Int, Int), rank: Int, joinedWidth: Int,
                            outputWidth: Int) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, projectedWidths: projectedWidths, rank: rank, joinedWidth: joinedWidth,
                  outputWidth: outputWidth, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "MUTANFusion")
        let x = factors[0](projections[0](inputs[0]).tanh()), y = factors[1](projections[1](inputs[1]).tanh())
        let lead = Array(x.shape.dropLast())
        let joined = (x * y).reshaped(lead + [rank, joinedWidth]).sum(alongAxes: lead.count)
        return output(joined)
    }
}
