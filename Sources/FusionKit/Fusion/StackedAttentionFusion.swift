/// Stacked attention (Yang, He, Gao, Deng, Smola, "Stacked Attention Networks for Image Question
/// Answering", CVPR 2016): a question vector u [batch, d] looks at image regions V [batch, N, d]
/// several times, refining its query after each look. For each hop k:
///
///     h = tanh(W_v V + (W_u u + b_u)[:, None, :])       [batch, N, a]
///     p = softmax_regions(w_pᵀ h + b_p)                   [batch, N]
///     ṽ = Σ_i p_i V_i,   u ← ṽ + u                        [batch, d]
///
/// and the output is the final u. Inputs: [u, V]. `lastWeights` keeps the last hop's attention
/// map p [batch, N]. Keys per hop: `hops.k.image.weight` (W_v, no bias), `hops.k.question.weight`,
/// `hops.k.question.bias` (W_u, b_u), `hops.k.score.weight`, `hops.k.score.bias` (w_p, b_p).
public final class StackedAttentionFusion: Module, FusionStrategy {
    /// The layers of one attention hop.
    public final class Hop: Module {
        public let image: Linear, question: Linear, score: Linear
        init(width: Int, attentionWidth: Int, generator: inout RandomGenerator) {
            image = Linear(width, attentionWidth, bias: false, generator: &generator)
            question = Linear(width, attentionWidth, generator: &generator)
            score = Linear(attentionWidth, 1, generator: &generator)
            super.init()
        }
    }

    public let width: Int
    public let hops: [Hop]
    /// The attention over regions of the last hop of the last call, [batch, N].
    public private(set) var lastWeights: Tensor?

    public init(width: Int, attentionWidth: Int, hopCount: Int = 2, generator: inout RandomGenerator) {
        precondition(hopCount > 0, "StackedAttentionFusion: needs at least one hop")
        self.width = width
        hops = (0..<hopCount).map { _ in Hop(width: width, attentionWidth: attentionWidth, generator: &generator) }
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(width: Int, attentionWidth: Int, hopCount: Int = 2) {
        var generator = Random.splitGenerator()
        self.init(width: width, attentionWidth: attentionWidth, hopCount: hopCount, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        precondition(inputs.count == 2, "StackedAttentionFusion: expected [question, regions], got \(inputs.count) inputs")
        var u = inputs[0]
        let regions = inputs[1]
        precondition(u.rank == 2 && u.shape[1] == width && regions.rank == 3 && regions.shape[2] == width
                     && regions.shape[0] == u.shape[0],
                     "StackedAttentionFusion: question \(u.shape) and regions \(regions.shape) do not match width \(width)")
        for hop in hops {
            let h = (hop.image(regions) + hop.question(u).expandingShape(at: 1)).tanh()   // [batch, N, a]
            let p = hop.score(h).softmax(alongAxis: 1)                                     // [batch, N, 1]
            let attended = p.matmul(regions, transposeA: true).squeezingShape(at: [1])     // [batch, d]
            u = attended + u
            lastWeights = p.detached().squeezingShape(at: [2])
        }
        return u
    }
}
