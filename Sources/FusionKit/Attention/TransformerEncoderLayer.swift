/// The position-wise feed-forward block: linear2(dropout(activation(linear1(x)))).
final class FeedForward {
    let linear1: Linear, linear2: Linear, dropout: Dropout, activation: TransformerActivation
    init(width: Int, hidden: Int, dropout: Float, activation: TransformerActivation, generator: inout RandomGenerator) {
        linear1 = Linear(width, hidden, generator: &generator)
        linear2 = Linear(hidden, width, generator: &generator)
        self.dropout = Dropout(dropout, seed: generator.next())
        self.activation = activation
    }
    func callAsFunction(_ x: Tensor) -> Tensor {
        let hidden = linear1(x)
        return linear2(dropout(activation(hidden)))
    }
}

/// A transformer encoder layer, as torch.nn.TransformerEncoderLayer (batch first): self-attention
/// and a feed-forward block, each with a residual connection and layer normalisation — after the
/// residual (post-norm, Vaswani et al. 2017):
///
///     x = norm1(x + dropout1(selfAttention(x)));  x = norm2(x + dropout2(feedForward(x)))
///
/// or before the block (pre-norm, `normFirst`, Xiong et al. 2020):
///
///     x = x + dropout1(selfAttention(norm1(x)));  x = x + dropout2(feedForward(norm2(x)))
///
/// Keys: `self_attn.*`, `linear1.*`, `linear2.*`, `norm1.*`, `norm2.*`.
public final class TransformerEncoderLayer: Module, UnaryLayer {
    public let selfAttention: MultiheadAttention
    public let linear1: Linear, linear2: Linear
    public let norm1: LayerNorm, norm2: LayerNorm
    public let dropout: Dropout, dropout1: Dropout, dropout2: Dropout
    public let activation: TransformerActivation
    public let normFirst: Bool
    private let feedForward: FeedForward

    public init(width: Int, headCount: Int, feedForwardWidth: Int = 2048, dropout: Float = 0.1,
                activation: TransformerActivation = .relu, normFirst: Bool = false, layerNormEpsilon: Float = 1e-5,
                generator: inout RandomGenerator) {
        selfAttention = MultiheadAttention(embedDimension: width, headCount: headCount, dropout: dropout, generator: &generator)
        feedForward = FeedForward(width: width, hidden: feedForwardWidth, dropout: dropout, activation: activation, generator: &generator)
        linear1 = feedForward.linear1
        linear2 = feedForward.linear2
        self.dropout = feedForward.dropout
        norm1 = LayerNorm(width, epsilon: layerNormEpsilon)
        norm2 = LayerNorm(width, epsilon: layerNormEpsilon)
        dropout1 = Dropout(dropout, seed: generator.next())
        dropout2 = Dropout(dropout, seed: generator.next())
        self.activation = activation
        self.normFirst = normFirst
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(width: Int, headCount: Int, feedForwardWidth: Int = 2048, dropout: Float = 0.1,
                            activation: TransformerActivation = .relu, normFirst: Bool = false,
                            layerNormEpsilon: Float = 1e-5) {
        var generator = Random.splitGenerator()
        self.init(width: width, headCount: headCount, feedForwardWidth: feedForwardWidth, dropout: dropout,
                  activation: activation, normFirst: normFirst, layerNormEpsilon: layerNormEpsilon,
                  generator: &generator)
    }

    public override func namedChildren() -> [(String, Module)] {
        [("self_attn", selfAttention), ("linear1", linear1), ("dropout", dropout), ("linear2", linear2),
         ("norm1", norm1), ("norm2", norm2), ("dropout1", dropout1), ("dropout2", dropout2)]
    }

    /// `x` [batch, L, width]; `keyPaddingMask` [batch, L] non-zero at padding; `attentionMask`
    /// additive [L, L].
    public func callAsFunction(_ x: Tensor, keyPaddingMask: Tensor?, attentionMask: Tensor? = nil, causal: Bool = false) -> Tensor {
        rows(x, context: nil, keyPaddingMask: keyPaddingMask, attentionMask: attentionMask, causal: causal)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, keyPaddingMask: nil) }

    /// The rows `callAsFunction(_:)` gives for `queries` [batch, Lq, E] when the tokens they
    /// attend over are `context` [batch, Lk, E] (the queries' own tokens among them, wherever the
    /// caller puts them): self-attention computed for a subset of the rows only. For incremental
    /// decoding, or for tokens known not to attend to others: where a mask gives a group of
    /// tokens no weight on the rest, the group's rows are `callAsFunction(queries: group,
    /// context: group)` and need not be computed again for every other token they sit beside.
    /// `attentionMask` is additive, [Lq, Lk] or broadcastable to [batch, heads, Lq, Lk].
    public func callAsFunction(queries: Tensor, context: Tensor, keyPaddingMask: Tensor? = nil,
                               attentionMask: Tensor? = nil) -> Tensor {
        rows(queries, context: context, keyPaddingMask: keyPaddingMask, attentionMask: attentionMask, causal: false)
    }

    /// The layer for `queries` attending over `context`, or over themselves when `context` is
    /// nil (then normalised once, not twice).
    private func rows(_ queries: Tensor, context: Tensor?, keyPaddingMask: Tensor?, attentionMask: Tensor?, causal: Bool) -> Tensor {
        func attend(_ query: Tensor, _ keys: Tensor) -> Tensor {
            dropout1(selfAttention(query: query, key: keys, value: keys, keyPaddingMask: keyPaddingMask,
                                   attentionMask: attentionMask, causal: causal, needWeights: false).output)
        }
        if normFirst {
            let normalized = norm1(queries)
            let attended = queries + attend(normalized, context.map { norm1($0) } ?? normalized)
            return attended + dropout2(feedForward(norm2(attended)))
        }
        let attended = norm1(queries + attend(queries, context ?? queries))
        return norm2(attended + dropout2(feedForward(attended)))
    }
}
