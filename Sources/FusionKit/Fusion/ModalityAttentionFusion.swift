/// Modality attention: each modality's projection h_m = tanh(P_m x_m) gets a score s_m = vᵀh_m,
/// the scores a softmax over modalities per sample, and y = Σ α_m h_m. The weights α say which
/// modality each sample relied on (`lastWeights`, [batch, modalities]).
public final class ModalityAttentionFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let projections: [Linear]
    public let score: Linear
    public private(set) var lastWeights: Tensor?

    public init(widths: [Int], width: Int, generator: inout RandomGenerator) {
        self.widths = widths
        projections = makeProjections(widths, to: width, generator: &generator)
        score = Linear(width, 1, bias: false, generator: &generator)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], width: Int) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, width: width, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "ModalityAttentionFusion")
        let hidden = Tensor.stack(zip(projections, inputs).map { $0($1).tanh() }, alongAxis: -2)   // […, M, width]
        let weights = score(hidden).softmax(alongAxis: -2)                                       // […, M, 1]
        lastWeights = weights.detached().squeezingShape(at: [-1])
        return (hidden * weights).sum(alongAxes: hidden.rank - 2)
    }
}
