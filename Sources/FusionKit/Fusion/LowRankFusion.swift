/// Low-rank Multimodal Fusion, LMF (Liu, Shen, Lakshminarasimhan, Liang, Zadeh, Morency,
/// "Efficient Low-rank Multimodal Fusion with Modality-Specific Factors", 2018): TFN's weight
/// tensor in rank-r CP form, so the outer product is never built,
///
///     z = Σ_{i<r} w_i · Π_m ([1; x_m] · W_m^(i)) + b
///
/// for two or three modalities. Keys: `factors.<m>` [r, d_m + 1, out] (W_m^(i) = factors.m[i]),
/// `rankWeights` [r] (w), `bias` [out]. Inputs are [B, d_m].
public final class LowRankFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let factors: [Parameter]
    public let rankWeights: Parameter
    public let bias: Parameter

    public init(widths: [Int], rank: Int, outputWidth: Int, generator: inout RandomGenerator) {
        precondition(widths.count == 2 || widths.count == 3, "LowRankFusion: needs two or three modalities, got \(widths.count)")
        self.widths = widths
        factors = widths.map { width in
            let bound = 1 / Float(width + 1).squareRoot()
            return Parameter(Tensor.randomUniform([rank, width + 1, outputWidth], lower: -bound, upper: bound, generator: &generator))
        }
        let bound = 1 / Float(rank).squareRoot()
        rankWeights = Parameter(Tensor.randomUniform([rank], lower: -bound, upper: bound, generator: &generator))
        bias = Parameter(Tensor.zeros([outputWidth]))
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], rank: Int, outputWidth: Int) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, rank: rank, outputWidth: outputWidth, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "LowRankFusion")
        precondition(inputs.allSatisfy { $0.rank == 2 }, "LowRankFusion: expected [batch, width] inputs, got \(inputs.map(\.shape))")
        let rank = rankWeights.shape[0]
        // [1, B, d+1] · [r, d+1, out] → [r, B, out], multiplied over modalities.
        let perModality = zip(inputs, factors).map { input, factor in
            prependingOne(input).expandingShape(at: 0).matmul(factor.value)
        }
        let product = perModality.dropFirst().reduce(perModality[0], *)
        return (product * rankWeights.value.reshaped([rank, 1, 1])).sum(alongAxes: 0) + bias.value
    }
}
