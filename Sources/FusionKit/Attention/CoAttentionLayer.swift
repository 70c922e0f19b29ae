/// A two-stream co-attention layer (ViLBERT, Lu et al. 2019; LXMERT, Tan & Bansal 2019): each
/// modality attends to the other, then runs its own feed-forward block, with residual
/// connections and post-norm:
///
///     a' = normA1(a + attentionA(query: a, keys/values: b));  a'' = normA2(a' + feedForwardA(a'))
///     b' = normB1(b + attentionB(query: b, keys/values: a));  b'' = normB2(b' + feedForwardB(b'))
///
/// Both cross-attentions read the inputs of the layer, not each other's outputs.
public final class CoAttentionLayer: Module {
    public let attentionA: MultiheadAttention, attentionB: MultiheadAttention
    public let normA1: LayerNorm, normA2: LayerNorm, normB1: LayerNorm, normB2: LayerNorm
    private let feedForwardA: FeedForward, feedForwardB: FeedForward

    public init(widthA: Int, widthB: Int, headCount: Int, feedForwardWidth: Int, dropout: Float = 0.1,
                generator: inout RandomGenerator) {
        attentionA = MultiheadAttention(embedDimension: widthA, headCount: headCount, keyDimension: widthB, valueDimension: widthB,
                                        dropout: dropout, generator: &generator)
        attentionB = MultiheadAttention(embedDimension: widthB, headCount: headCount, keyDimension: widthA, valueDimension: widthA,
                                        dropout: dropout, generator: &generator)
        feedForwardA = FeedForward(width: widthA, hidden: feedForwardWidth, dropout: dropout, activation: .gelu, generator: &generator)
        feedForwardB = FeedForward(width: widthB, hidden: feedForwardWidth, dropout: dropout, activation: .gelu, generator: &generator)
        normA1 = LayerNorm(widthA); normA2 = LayerNorm(widthA)
        normB1 = LayerNorm(widthB); normB2 = LayerNorm(widthB)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widthA: Int, widthB: Int, headCount: Int, feedForwardWidth: Int, dropout: Float = 0.1) {
        var generator = Random.splitGenerator()
        self.init(widthA: widthA, widthB: widthB, headCount: headCount, feedForwardWidth: feedForwardWidth,
                  dropout: dropout, generator: &generator)
    }

    public override func namedChildren() -> [(String, Module)] {
        [("attention_a", attentionA), ("attention_b", attentionB),
         ("ffn_a.linear1", feedForwardA.linear1), ("ffn_a.linear2", feedForwardA.linear2),
         ("ffn_b.linear1", feedForwardB.linear1), ("ffn_b.linear2", feedForwardB.linear2),
         ("norm_a1", normA1), ("norm_a2", normA2), ("norm_b1", normB1), ("norm_b2", normB2),
         ("ffn_a.dropout", feedForwardA.dropout), ("ffn_b.dropout", feedForwardB.dropout)]
    }

    /// `a` [batch, La, widthA] and `b` [batch, Lb, widthB], each with an optional key padding mask.
    public func callAsFunction(_ a: Tensor, _ b: Tensor, paddingA: Tensor? = nil, paddingB: Tensor? = nil)
        -> (a: Tensor, b: Tensor) {
        let seenByA = normA1(a + attentionA(query: a, key: b, value: b, keyPaddingMask: paddingB).output)
        let seenByB = normB1(b + attentionB(query: b, key: a, value: a, keyPaddingMask: paddingA).output)
        return (normA2(seenByA + feedForwardA(seenByA)), normB2(seenByB + feedForwardB(seenByB)))
    }
}
