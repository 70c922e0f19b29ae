/// The pre-norm transformer block of vision transformers and CLIP:
///
///     h = x + out(attention(q(n₁(x)), k(n₁(x)), v(n₁(x))))
///     y = h + fc₂(activation(fc₁(n₂(h))))
///
/// with separate query, key and value projections as their checkpoints store them. One block
/// serves every architecture; each gives its own key names (`KeyNames`), so the same computation
/// loads `encoder.layer.N.attention.attention.query` (ViT) or `encoder.layers.N.self_attn.q_proj`
/// (CLIP).
public final class PreNormEncoderBlock: Module {
    /// The state-dict name of each part, relative to the block.
    public struct KeyNames: Sendable {
        public var query, key, value, output, norm1, norm2, fc1, fc2: String

        public init(query: String, key: String, value: String, output: String, norm1: String, norm2: String,
                    fc1: String, fc2: String) {
            (self.query, self.key, self.value, self.output) = (query, key, value, output)
            (self.norm1, self.norm2, self.fc1, self.fc2) = (norm1, norm2, fc1, fc2)
        }
    }

    public let query: Linear, key: Linear, value: Linear, output: Linear
    public let norm1: LayerNorm, norm2: LayerNorm
    public let fc1: Linear, fc2: Linear
    public let headCount: Int
    public let activation: TransformerActivation
    public let names: KeyNames

    public init(width: Int, headCount: Int, intermediateSize: Int, activation: TransformerActivation, layerNormEpsilon: Float,
                names: KeyNames, generator: inout RandomGenerator) {
        precondition(headCount > 0 && width % headCount == 0,
                     "PreNormEncoderBlock: width \(width) does not divide into \(headCount) heads")
        query = Linear(width, width, generator: &generator)
        key = Linear(width, width, generator: &generator)
        value = Linear(width, width, generator: &generator)
        output = Linear(width, width, generator: &generator)
        norm1 = LayerNorm(width, epsilon: layerNormEpsilon)
        norm2 = LayerNorm(width, epsilon: layerNormEpsilon)
        fc1 = Linear(width, intermediateSize, generator: &generator)
        fc2 = Linear(intermediateSize, width, generator: &generator)
        self.headCount = headCount
        self.activation = activation
        self.names = names
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] {
        [(names.query, query), (names.key, key), (names.value, value), (names.output, output),
         (names.norm1, norm1), (names.norm2, norm2), (names.fc1, fc1), (names.fc2, fc2)]
    }

    /// `x` [batch, length, width]; `mask` as for `Attention.multiHead` (key padding, causal).
    public func callAsFunction(_ x: Tensor, mask: AttentionMask = AttentionMask()) -> Tensor {
        let normed = norm1(x)
        var generator = RandomGenerator(seed: 0)   // no attention dropout in these encoders
        let (attended, _) = Attention.multiHead(query: query(normed), key: key(normed), value: value(normed),
                                                heads: headCount, mask: mask, generator: &generator)
        let h = x + output(attended)
        return h + fc2(activation(fc1(norm2(h))))
    }
}
