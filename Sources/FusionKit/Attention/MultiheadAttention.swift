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

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(embedDimension: Int, headCount: Int, keyDimension: Int? = nil, valueDimension: Int? = nil,
                            dropout: Float = 0, bias: Bool = true) {
        var generator = Random.splitGenerator()
        self.init(embedDimension: embedDimension, headCount: headCount, keyDimension: keyDimension,
                  valueDimension: valueDimension, dropout: dropout, bias: bias, generator: &generator)
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
    ///   - needWeights: whether to return the weights averaged over heads (as PyTorch's
    ///     `need_weights`); `lastWeights` keeps the per-head weights either way.
    /// - Returns: the output [batch, Lq, E] and the weights averaged over heads [batch, Lq, Lk].
    public func callAsFunction(query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor? = nil,
                               attentionMask: Tensor? = nil, causal: Bool = false,
                               needWeights: Bool = true) -> (output: Tensor, weights: Tensor?) {
        let e = embedDimension, h = headCount
        precondition(query.rank == 3 && query.shape[2] == e, "MultiheadAttention: query \(query.shape), expected [batch, Lq, \(e)]")
        precondition(key.rank == 3 && key.shape[2] == keyDimension && key.shape[0] == query.shape[0],
                     "MultiheadAttention: key \(key.shape), expected [\(query.shape[0]), Lk, \(keyDimension)]")
        precondition(value.rank == 3 && value.shape[2] == valueDimension && value.shape[0] == key.shape[0] && value.shape[1] == key.shape[1],
                     "MultiheadAttention: value \(value.shape) does not match key \(key.shape) with width \(valueDimension)")
        let mask = AttentionMask(keyPadding: keyPaddingMask, causal: causal, additive: attentionMask)
        // One GEMM per projection (part 0 = query, 1 = key, 2 = value), rows [batch, length, E]:
        // no slicing of a stacked result, whose backward would cost a full-size zero fill and add.
        func projected(_ x: Tensor, _ part: Int) -> Tensor {
            x.affine(weight: projectionWeight(part..<(part + 1)), bias: projectionBias(part..<(part + 1)))
        }
        let (attended, perHead) = Attention.multiHead(query: projected(query, 0), key: projected(key, 1),
                                                      value: projected(value, 2), heads: h, mask: mask,
                                                      dropout: isTraining ? dropout : 0, generator: &generator)
        lastWeights = perHead
        return (outProjection(attended), needWeights ? perHead.mean(alongAxes: 1) : nil)
    }

    /// Self-attention: `x` attends over itself.
    public func callAsFunction(_ x: Tensor, keyPaddingMask: Tensor? = nil, attentionMask: Tensor? = nil,
                               causal: Bool = false, needWeights: Bool = true) -> (output: Tensor, weights: Tensor?) {
        callAsFunction(query: x, key: x, value: x, keyPaddingMask: keyPaddingMask, attentionMask: attentionMask,
                       causal: causal, needWeights: needWeights)
    }

    /// The rows of the stacked projection for parts (0 = query, 1 = key, 2 = value).
    private func projectionWeight(_ parts: Range<Int>) -> Tensor {
        let e = embedDimension
        if let inProjectionWeight {
            return parts == 0..<3 ? inProjectionWeight.value
                                  : inProjectionWeight.value.slice((parts.lowerBound * e)..<(parts.upperBound * e), alongAxis: 0)
        }
        precondition(parts.count == 1, "MultiheadAttention: separate projections are applied one at a time")
        return [queryProjectionWeight!, keyProjectionWeight!, valueProjectionWeight!][parts.lowerBound].value
    }

    private func projectionBias(_ parts: Range<Int>) -> Tensor? {
        let e = embedDimension
        guard let bias = inProjectionBias?.value else { return nil }
        return parts == 0..<3 ? bias : bias.slice((parts.lowerBound * e)..<(parts.upperBound * e), alongAxis: 0)
    }
}
