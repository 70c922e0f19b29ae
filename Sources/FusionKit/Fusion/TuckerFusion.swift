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

/// BLOCK (Ben-younes, Cadene, Thome, Cord, "BLOCK: Bilinear Superdiagonal Fusion for Visual
/// Question Answering and Visual Relationship Detection", 2019): the bilinear core is
/// block-superdiagonal, so the projections are split into n chunks and chunk c of x̃ only meets
/// chunk c of ỹ, through a rank-R block,
///
///     x̃ = W_x x + b_x,  ỹ = W_y y + b_y,  split into n equal chunks x̃_c, ỹ_c
///     z_c = Σ_{r<R} (A_{c,r} x̃_c + a_{c,r}) ⊙ (B_{c,r} ỹ_c + b_{c,r})     [B, s]
///     out = W_o [z_1; …; z_n] + b_o
///
/// (the reference implementation's optional power/L2 normalisation of each z_c is left out).
/// Keys: `projections.0/1`, `leftFactors.<c>` (A_c, to R·s), `rightFactors.<c>` (B_c), `output`.
public final class BLOCKFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let projections: [Linear]
    public let leftFactors: [Linear]
    public let rightFactors: [Linear]
    public let output: Linear
    public let chunks: Int
    public let rank: Int
    public let chunkWidth: Int

    /// `projectedWidths` must both be divisible by `chunks`; each block outputs `chunkWidth`.
    public init(widths: [Int], projectedWidths: (Int, Int), chunks: Int, rank: Int, chunkWidth: Int, outputWidth: Int,
                generator: inout RandomGenerator) {
        precondition(widths.count == 2, "BLOCKFusion: needs two modalities, got \(widths.count)")
        let (tx, ty) = projectedWidths
        precondition(chunks >= 1 && tx % chunks == 0 && ty % chunks == 0,
                     "BLOCKFusion: projected widths \(projectedWidths) are not divisible into \(chunks) chunks")
        self.widths = widths
        self.chunks = chunks
        self.rank = rank
        self.chunkWidth = chunkWidth
        projections = [Linear(widths[0], tx, generator: &generator), Linear(widths[1], ty, generator: &generator)]
        leftFactors = (0..<chunks).map { _ in Linear(tx / chunks, rank * chunkWidth, generator: &generator) }
        rightFactors = (0..<chunks).map { _ in Linear(ty / chunks, rank * chunkWidth, generator: &generator) }
        output = Linear(chunks * chunkWidth, outputWidth, generator: &generator)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], projectedWidths: (Int, Int), chunks: Int, rank: Int, chunkWidth: Int,
                            outputWidth: Int) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, projectedWidths: projectedWidths, chunks: chunks, rank: rank,
                  chunkWidth: chunkWidth, outputWidth: outputWidth, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "BLOCKFusion")
        let x = projections[0](inputs[0]).split(count: chunks, alongAxis: -1)
        let y = projections[1](inputs[1]).split(count: chunks, alongAxis: -1)
        let lead = Array(inputs[0].shape.dropLast())
        let blocks = (0..<chunks).map { c in
            (leftFactors[c](x[c]) * rightFactors[c](y[c])).reshaped(lead + [rank, chunkWidth]).sum(alongAxes: lead.count)
        }
        return output(Tensor.concatenate(blocks, alongAxis: -1))
    }
}
