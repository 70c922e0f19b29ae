/// A decoder-style layer, as torch.nn.TransformerDecoderLayer (batch first): self-attention over
/// the target, cross-attention from the target to a memory (another modality's tokens), and a
/// feed-forward block, each with a residual connection and layer normalisation (post-norm, or
/// pre-norm with `normFirst`):
///
///     x = norm1(x + selfAttention(x));  x = norm2(x + crossAttention(x, memory));  x = norm3(x + feedForward(x))
///
/// Keys: `self_attn.*`, `multihead_attn.*`, `linear1.*`, `linear2.*`, `norm1.*`, `norm2.*`, `norm3.*`.
public final class TransformerDecoderLayer: Module {
    public let selfAttention: MultiheadAttention
    public let crossAttention: MultiheadAttention
    public let linear1: Linear, linear2: Linear
    public let norm1: LayerNorm, norm2: LayerNorm, norm3: LayerNorm
    public let dropout: Dropout, dropout1: Dropout, dropout2: Dropout, dropout3: Dropout
    public let normFirst: Bool
    private let feedForward: FeedForward

    /// `memoryWidth` lets the memory have another width than the target (PyTorch requires them
    /// equal; then the keys are as PyTorch's).
    public init(width: Int, headCount: Int, feedForwardWidth: Int = 2048, dropout: Float = 0.1,
                activation: TransformerActivation = .relu, normFirst: Bool = false, memoryWidth: Int? = nil,
                layerNormEpsilon: Float = 1e-5, generator: inout RandomGenerator) {
        // The same construction as TransformerEncoderLayer's, plus the cross-attention and a third
        // norm, on purpose: each layer names linear1, linear2, dropout and its norms itself, as
        // torch.nn.TransformerEncoderLayer and DecoderLayer do, and draws from the generator in
        // PyTorch's order; the block itself is shared (`FeedForward`).
        selfAttention = MultiheadAttention(embedDimension: width, headCount: headCount, dropout: dropout, generator: &generator)
        crossAttention = MultiheadAttention(embedDimension: width, headCount: headCount, keyDimension: memoryWidth,
                                            valueDimension: memoryWidth, dropout: dropout, generator: &generator)
        feedForward = FeedForward(width: width, hidden: feedForwardWidth, dropout: dropout, activation: activation, generator: &generator)
        linear1 = feedForward.linear1
        linear2 = feedForward.linear2
        self.dropout = feedForward.dropout
        norm1 = LayerNorm(width, epsilon: layerNormEpsilon)
        norm2 = LayerNorm(width, epsilon: layerNormEpsilon)
        norm3 = LayerNorm(width, epsilon: layerNormEpsilon)
        dropout1 = Dropout(dropout, seed: generator.next())
        dropout2 = Dropout(dropout, seed: generator.next())
        dropout3 = Dropout(dropout, seed: generator.next())
        self.normFirst = normFirst
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(width: Int, headCount: Int, feedForwardWidth: Int = 2048, dropout: Float = 0.1,
                            activation: TransformerActivation = .relu, normFirst: Bool = false,
                            memoryWidth: Int? = nil, layerNormEpsilon: Float = 1e-5) {
        var generator = Random.splitGenerator()
        self.init(width: width, headCount: headCount, feedForwardWidth: feedForwardWidth, dropout: dropout,
                  activation: activation, normFirst: normFirst, memoryWidth: memoryWidth,
                  layerNormEpsilon: layerNormEpsilon, generator: &generator)
    }

    public override func namedChildren() -> [(String, Module)] {
        [("self_attn", selfAttention), ("multihead_attn", crossAttention), ("linear1", linear1), ("dropout", dropout),
         ("linear2", linear2), ("norm1", norm1), ("norm2", norm2), ("norm3", norm3),
         ("dropout1", dropout1), ("dropout2", dropout2), ("dropout3", dropout3)]
    }

    /// `target` [batch, Lt, width] attends over itself and over `memory` [batch, Lm, memoryWidth].
    public func callAsFunction(_ target: Tensor, memory: Tensor, targetKeyPaddingMask: Tensor? = nil,
                               memoryKeyPaddingMask: Tensor? = nil, causal: Bool = false) -> Tensor {
        func selfBlock(_ x: Tensor) -> Tensor {
            dropout1(selfAttention(x, keyPaddingMask: targetKeyPaddingMask, causal: causal).output)
        }
        func crossBlock(_ x: Tensor) -> Tensor {
            dropout2(crossAttention(query: x, key: memory, value: memory, keyPaddingMask: memoryKeyPaddingMask).output)
        }
        if normFirst {
            var x = target + selfBlock(norm1(target))
            x = x + crossBlock(norm2(x))
            return x + dropout3(feedForward(norm3(x)))
        }
        var x = norm1(target + selfBlock(target))
        x = norm2(x + crossBlock(x))
        return norm3(x + dropout3(feedForward(x)))
    }
}
