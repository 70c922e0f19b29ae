/// Co-attention fusion: two token streams attend to each other through a stack of two-stream
/// co-attention layers (`CoAttentionLayer`), then each stream is mean-pooled over its tokens and
/// the two summaries are concatenated. With a [batch, La, da] and b [batch, Lb, db]:
///
///     (a⁰, b⁰) = (a, b)
///     (aᵏ, bᵏ) = CoAttentionLayerᵏ(aᵏ⁻¹, bᵏ⁻¹),   k = 1 … K, where, per layer,
///         a' = LN(a + MHA_a(q = a, k = v = b)),  a'' = LN(a' + W₂ gelu(W₁ a' + b₁) + b₂)
///         b' = LN(b + MHA_b(q = b, k = v = a)),  b'' = LN(b' + W₂ gelu(W₁ b' + b₁) + b₂)
///     y = [ (1/La) Σ_i aᴷ_i ; (1/Lb) Σ_j bᴷ_j ]      ∈ [batch, da + db]
///
/// Co-attention as a fusion comes from Lu, Yang, Batra, Parikh, "Hierarchical Question-Image
/// Co-Attention for Visual Question Answering", NeurIPS 2016 (question and image attend to each
/// other, then their attended summaries are combined); the transformer form with one
/// cross-attention per stream is ViLBERT (Lu, Batra, Parikh, Lee, "ViLBERT: Pretraining
/// Task-Agnostic Visiolinguistic Representations for Vision-and-Language Tasks", NeurIPS 2019).
///
/// Inputs: [a, b] (the lengths and widths may differ; the head count must divide both widths).
/// Keys: `layers.k.*`, the keys of `CoAttentionLayer` (`attention_a.*`, `attention_b.*`,
/// `ffn_a.linear1.*`, `ffn_a.linear2.*`, `ffn_b.*`, `norm_a1.*`, `norm_a2.*`, `norm_b1.*`, `norm_b2.*`).
public final class CoAttentionFusion: Module, FusionStrategy {
    public let widthA: Int, widthB: Int
    public let layers: [CoAttentionLayer]

    /// `layerCount` co-attention layers with feed-forward blocks of `feedForwardWidth` units
    /// (default 4·max(da, db)).
    public init(widthA: Int, widthB: Int, headCount: Int, layerCount: Int = 1, feedForwardWidth: Int? = nil,
                dropout: Float = 0, generator: inout RandomGenerator) {
        precondition(layerCount > 0, "CoAttentionFusion: needs at least one co-attention layer")
        precondition(headCount > 0 && widthA % headCount == 0 && widthB % headCount == 0,
                     "CoAttentionFusion: head count \(headCount) must divide both widths \(widthA) and \(widthB)")
        self.widthA = widthA
        self.widthB = widthB
        let hidden = feedForwardWidth ?? 4 * Swift.max(widthA, widthB)
        layers = (0..<layerCount).map { _ in
            CoAttentionLayer(widthA: widthA, widthB: widthB, headCount: headCount, feedForwardWidth: hidden,
                             dropout: dropout, generator: &generator)
        }
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widthA: Int, widthB: Int, headCount: Int, layerCount: Int = 1,
                            feedForwardWidth: Int? = nil, dropout: Float = 0) {
        var generator = Random.splitGenerator()
        self.init(widthA: widthA, widthB: widthB, headCount: headCount, layerCount: layerCount,
                  feedForwardWidth: feedForwardWidth, dropout: dropout, generator: &generator)
    }

    /// The output width da + db.
    public var outputWidth: Int { widthA + widthB }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        precondition(inputs.count == 2, "CoAttentionFusion: expected [a, b], got \(inputs.count) inputs")
        let (a, b) = attended(inputs[0], inputs[1])
        return Tensor.concatenate([a.mean(alongAxes: 1), b.mean(alongAxes: 1)], alongAxis: 1)
    }

    /// Both streams after every co-attention layer, before pooling: [batch, La, da] and [batch, Lb, db].
    public func attended(_ a: Tensor, _ b: Tensor) -> (a: Tensor, b: Tensor) {
        precondition(a.rank == 3 && a.shape[2] == widthA && b.rank == 3 && b.shape[2] == widthB && a.shape[0] == b.shape[0],
                     "CoAttentionFusion: inputs \(a.shape) and \(b.shape) do not match widths \(widthA), \(widthB)")
        var streams = (a: a, b: b)
        for layer in layers { streams = layer(streams.a, streams.b) }
        return streams
    }
}
