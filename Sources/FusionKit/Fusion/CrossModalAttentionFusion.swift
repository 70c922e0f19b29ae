/// Cross-modal attention fusion: the tokens of one modality (queries, [batch, Lq, dq]) attend over
/// the tokens of another (keys and values, [batch, Lk, dk]) with one multi-head attention whose
/// key and value widths are dk, then a residual connection, layer normalisation and a mean over
/// the queries:
///
///     H = LN(X_q + MHA(q = X_q, k = v = X_k)),   y = (1/Lq) Σ_i H_i   ∈ [batch, dq]
///
/// This is the cross-attention sub-layer of the transformer decoder (Vaswani et al., "Attention
/// Is All You Need", 2017) used as a fusion, as in the co-attention layers of ViLBERT (Lu et al.
/// 2019) and LXMERT (Tan & Bansal 2019), with one direction only.
///
/// Inputs: [queries, keys]. Padded keys are hidden by `keyPaddingMask` ([batch, Lk], non-zero at
/// padding) or by `fuse(queries:keys:keyPaddingMask:)`. Keys: `attention.*` (PyTorch's
/// MultiheadAttention names), `norm.weight`, `norm.bias`.
public final class CrossModalAttentionFusion: Module, FusionStrategy {
    public let queryWidth: Int, keyWidth: Int
    public let attention: MultiheadAttention
    public let norm: LayerNorm
    /// Used by `fuse(_:)`: [batch, Lk], non-zero where a key is padding.
    public var keyPaddingMask: Tensor?
    /// The weights of the last call averaged over heads, [batch, Lq, Lk].
    public private(set) var lastWeights: Tensor?

    public init(queryWidth: Int, keyWidth: Int, headCount: Int = 1, dropout: Float = 0, generator: inout RandomGenerator) {
        self.queryWidth = queryWidth
        self.keyWidth = keyWidth
        attention = MultiheadAttention(embedDimension: queryWidth, headCount: headCount, keyDimension: keyWidth,
                                       valueDimension: keyWidth, dropout: dropout, generator: &generator)
        norm = LayerNorm(queryWidth)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(queryWidth: Int, keyWidth: Int, headCount: Int = 1, dropout: Float = 0) {
        var generator = Random.splitGenerator()
        self.init(queryWidth: queryWidth, keyWidth: keyWidth, headCount: headCount, dropout: dropout,
                  generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        precondition(inputs.count == 2, "CrossModalAttentionFusion: expected [queries, keys], got \(inputs.count) inputs")
        return fuse(queries: inputs[0], keys: inputs[1], keyPaddingMask: keyPaddingMask)
    }

    /// The fused vector [batch, dq] for `queries` [batch, Lq, dq] over `keys` [batch, Lk, dk].
    public func fuse(queries: Tensor, keys: Tensor, keyPaddingMask: Tensor? = nil) -> Tensor {
        attended(queries: queries, keys: keys, keyPaddingMask: keyPaddingMask).mean(alongAxes: 1)
    }

    /// The attended query tokens H [batch, Lq, dq] before pooling.
    public func attended(queries: Tensor, keys: Tensor, keyPaddingMask: Tensor? = nil) -> Tensor {
        precondition(queries.rank == 3 && queries.shape[2] == queryWidth && keys.rank == 3 && keys.shape[2] == keyWidth
                     && keys.shape[0] == queries.shape[0],
                     "CrossModalAttentionFusion: queries \(queries.shape) and keys \(keys.shape) do not match widths \(queryWidth), \(keyWidth)")
        let (output, weights) = attention(query: queries, key: keys, value: keys, keyPaddingMask: keyPaddingMask)
        lastWeights = weights?.detached()
        return norm(queries + output)
    }
}
