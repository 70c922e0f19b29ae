/// Multi-head attention (Vaswani et al. 2017), as torch.nn.MultiheadAttention with
/// `batch_first=True`: queries [batch, Lq, E] attend over keys [batch, Lk, kdim] and values
/// [batch, Lk, vdim]. Each of the h heads attends in its own E/h-wide slice of the projections:
///
///     headᵢ = softmax(Qᵢ·Kᵢᵀ/√(E/h) + mask)·Vᵢ,  Q = x_q·W_qᵀ + b_q, K = x_k·W_kᵀ + b_k, V = x_v·W_vᵀ + b_v
///     output = concat(head₁…head_h)·W_oᵀ + b_o
///
/// Parameters follow PyTorch's names and layouts, so weights load both ways: `in_proj_weight`
/// [3E, E] when kdim = vdim = E, otherwise `q_proj_weight` [E, E], `k_proj_weight` [E, kdim],
/// `v_proj_weight` [E, vdim]; `in_proj_bias` [3E]; `out_proj.weight` [E, E], `out_proj.bias` [E].
/// Set `kdim`/`vdim` to let text queries attend to image regions of another width.
public final class MultiheadAttention: Module {
    public let embedDimension: Int
    public let headCount: Int
    public let keyDimension: Int
    public let valueDimension: Int
    /// Dropout on the attention weights during training.
    public let dropout: Float
    /// Where dropout masks come from.
    public var generator: RandomGenerator

    /// [3E, E] when the key and value widths equal E; nil otherwise.
    public let inProjectionWeight: Parameter?
    /// Separate projections when the key or value width differs from E.
    public let queryProjectionWeight: Parameter?
    public let keyProjectionWeight: Parameter?
    public let valueProjectionWeight: Parameter?
    public let inProjectionBias: Parameter?
    public let outProjection: Linear

    /// The weights of the last call, per head [batch, heads, Lq, Lk] (for drawing attention maps).
    public private(set) var lastWeights: Tensor?

    public init(embedDimension: Int, headCount: Int, keyDimension: Int? = nil, valueDimension: Int? = nil,
                dropout: Float = 0, bias: Bool = true, generator: inout RandomGenerator) {
        precondition(headCount > 0 && embedDimension % headCount == 0,
                     "MultiheadAttention: embedding width \(embedDimension) does not divide into \(headCount) heads")
        self.embedDimension = embedDimension
        self.headCount = headCount
        self.keyDimension = keyDimension ?? embedDimension
        self.valueDimension = valueDimension ?? embedDimension
        self.dropout = dropout
        let e = embedDimension
        // PyTorch: Xavier-uniform projections, zero biases; out_proj weight as a Linear, zero bias.
        if self.keyDimension == e && self.valueDimension == e {
            inProjectionWeight = Parameter(Initializers.xavierUniform([3 * e, e], generator: &generator))
            queryProjectionWeight = nil
            keyProjectionWeight = nil
            valueProjectionWeight = nil
        } else {
            inProjectionWeight = nil
            queryProjectionWeight = Parameter(Initializers.xavierUniform([e, e], generator: &generator))
            keyProjectionWeight = Parameter(Initializers.xavierUniform([e, self.keyDimension], generator: &generator))
            valueProjectionWeight = Parameter(Initializers.xavierUniform([e, self.valueDimension], generator: &generator))
        }
        inProjectionBias = bias ? Parameter(Tensor.zeros([3 * e])) : nil
        outProjection = Linear(e, e, bias: bias, generator: &generator)
        if let outBias = outProjection.bias { outBias.value = Tensor.zeros([e]) }
        self.generator = RandomGenerator(seed: generator.next())
        super.init()
    }

    public override func namedOwnParameters() -> [(String, Parameter)] {
        var result: [(String, Parameter)] = []
        if let inProjectionWeight { result.append(("in_proj_weight", inProjectionWeight)) }
        if let queryProjectionWeight { result.append(("q_proj_weight", queryProjectionWeight)) }
        if let keyProjectionWeight { result.append(("k_proj_weight", keyProjectionWeight)) }
        if let valueProjectionWeight { result.append(("v_proj_weight", valueProjectionWeight)) }
        if let inProjectionBias { result.append(("in_proj_bias", inProjectionBias)) }
        return result
    }

    public override func namedChildren() -> [(String, Module)] { [("out_proj", outProjection)] }

    /// Attends from `query` over `key`/`value`.
    ///
    /// - Parameters:
    ///   - keyPaddingMask: [batch, Lk], non-zero where a key is padding (PyTorch's True = ignore).
    ///   - attentionMask: additive [Lq, Lk] (or broadcastable to [batch, heads, Lq, Lk]); see
    ///     `AttentionMask.additive(hiding:)` for boolean masks.
    ///   - causal: query i sees keys 0…i only.
    /// - Returns: the output [batch, Lq, E] and the weights averaged over heads [batch, Lq, Lk].
    public func callAsFunction(query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor? = nil,
                               attentionMask: Tensor? = nil, causal: Bool = false) -> (output: Tensor, weights: Tensor) {
        let e = embedDimension, h = headCount, depth = e / h
        precondition(query.rank == 3 && query.shape[2] == e, "MultiheadAttention: query \(query.shape), expected [batch, Lq, \(e)]")
        precondition(key.rank == 3 && key.shape[2] == keyDimension && key.shape[0] == query.shape[0],
                     "MultiheadAttention: key \(key.shape), expected [\(query.shape[0]), Lk, \(keyDimension)]")
        precondition(value.rank == 3 && value.shape[2] == valueDimension && value.shape[0] == key.shape[0] && value.shape[1] == key.shape[1],
                     "MultiheadAttention: value \(value.shape) does not match key \(key.shape) with width \(valueDimension)")
        let (batch, queries, keys) = (query.shape[0], query.shape[1], key.shape[1])
        let weights = projectionWeights()
        let biases = inProjectionBias.map { $0.value.split(count: 3, alongAxis: 0) }
        func heads(_ x: Tensor, _ index: Int, _ length: Int) -> Tensor {
            x.affine(weight: weights[index], bias: biases?[index]).reshaped([batch, length, h, depth]).permuted([0, 2, 1, 3])
        }
        let q = heads(query, 0, queries), k = heads(key, 1, keys), v = heads(value, 2, keys)
        let mask = AttentionMask(keyPadding: keyPaddingMask, causal: causal, additive: attentionMask)
        let (attended, perHead) = Attention.scaledDotProduct(query: q, key: k, value: v, mask: mask,
                                                             dropout: isTraining ? dropout : 0, generator: &generator)
        lastWeights = perHead
        let merged = attended.permuted([0, 2, 1, 3]).reshaped([batch, queries, e])
        return (outProjection(merged), perHead.mean(alongAxes: 1))
    }

    /// Self-attention: `x` attends over itself.
    public func callAsFunction(_ x: Tensor, keyPaddingMask: Tensor? = nil, attentionMask: Tensor? = nil,
                               causal: Bool = false) -> (output: Tensor, weights: Tensor) {
        callAsFunction(query: x, key: x, value: x, keyPaddingMask: keyPaddingMask, attentionMask: attentionMask, causal: causal)
    }

    /// W_q, W_k, W_v, sliced from `in_proj_weight` when it is shared.
    private func projectionWeights() -> [Tensor] {
        if let inProjectionWeight { return inProjectionWeight.value.split(count: 3, alongAxis: 0) }
        return [queryProjectionWeight!.value, keyProjectionWeight!.value, valueProjectionWeight!.value]
    }
}
