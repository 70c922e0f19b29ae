/// What an attention call may not look at, or how much to favour.
public struct AttentionMask {
    /// [batch, keys], 1 (or any non-zero) where a key is padding and must be ignored, as PyTorch's
    /// `key_padding_mask` with True = ignore.
    public var keyPadding: Tensor?
    /// Query i sees keys 0…i only (with the same number of queries and keys).
    public var causal: Bool
    /// Added to the scores before the softmax; broadcasts to [batch, heads, queries, keys]
    /// (usually [queries, keys]). −∞ hides a key; it may require gradient.
    public var additive: Tensor?

    public init(keyPadding: Tensor? = nil, causal: Bool = false, additive: Tensor? = nil) {
        self.keyPadding = keyPadding
        self.causal = causal
        self.additive = additive
    }

    /// The key padding of a Hugging Face attention mask [batch, keys] (1 for tokens, 0 for
    /// padding): non-zero where a key is padding, or nil when nothing is padded (no mask work).
    public static func keyPadding(fromAttentionMask mask: Tensor?) -> Tensor? {
        guard let mask, mask.scalars.contains(where: { $0 == 0 }) else { return nil }
        return withoutGradient { Tensor(1) - mask }
    }

    /// An additive mask with −∞ where `hidden` is non-zero and 0 elsewhere (from PyTorch's boolean
    /// masks, True = masked).
    public static func additive(hiding hidden: Tensor) -> Tensor {
        Tensor.select(where: hidden, Tensor(-.infinity), Tensor(0))
    }
}

/// Attention weights and the attended values, softmax(Q·Kᵀ·scale + mask)·V, as one graph node
/// with a hand-written backward. With P the weights (after dropout, P̃ = P ⊙ D/(1 − p)) and G the
/// output gradient:
///
///     dV = P̃ᵀ·G,  dP̃ = G·Vᵀ,  dP = dP̃ ⊙ D/(1 − p),
///     dS = P ⊙ (dP − Σ_k dP ⊙ P),  dQ = scale·dS·K,  dK = scale·dSᵀ·Q,  dMask = dS
///
/// Masked keys get weight exactly 0, so they receive neither attention nor gradient. A query
/// whose keys are all masked attends to nothing (its output and weights are 0; PyTorch gives NaN).
public enum Attention {
    /// - Parameters:
    ///   - query: [batch, heads, queries, depth]; key: [batch, heads, keys, depth];
    ///     value: [batch, heads, keys, valueDepth].
    ///   - scale: defaults to 1/√depth.
    ///   - dropout: probability of zeroing each weight (training only), drawn from `generator`.
    /// - Returns: the output [batch, heads, queries, valueDepth] and the weights
    ///   [batch, heads, queries, keys] before dropout.
    public static func scaledDotProduct(query: Tensor, key: Tensor, value: Tensor, mask: AttentionMask = AttentionMask(),
                                        scale: Float? = nil, dropout: Float = 0,
                                        generator: inout RandomGenerator) -> (output: Tensor, weights: Tensor) {
        precondition(query.rank == 4 && key.rank == 4 && value.rank == 4
                     && query.shape[0] == key.shape[0] && key.shape[0] == value.shape[0]
                     && query.shape[1] == key.shape[1] && key.shape[1] == value.shape[1]
                     && query.shape[3] == key.shape[3] && key.shape[2] == value.shape[2],
                     "scaledDotProduct: query \(query.shape), key \(key.shape), value \(value.shape) do not fit [B, H, L, d]")
        precondition(dropout >= 0 && dropout < 1, "scaledDotProduct: dropout \(dropout) outside [0, 1)")
        let (batch, queries, keys) = (query.shape[0], query.shape[2], key.shape[2])
        let factor = scale ?? 1 / Float(query.shape[3]).squareRoot()
        var hidden: Tensor?   // 1 where a score is masked, [batch, 1, queries, keys] or broadcastable
        if let padding = mask.keyPadding {
            precondition(padding.shape == [batch, keys], "scaledDotProduct: key padding mask \(padding.shape), expected \([batch, keys])")
            hidden = (padding .!= 0).reshaped([batch, 1, 1, keys])
        }
        if mask.causal {
            precondition(queries == keys, "scaledDotProduct: a causal mask needs as many queries as keys, got \(queries) and \(keys)")
            let future = Tensor.arange(Float(keys)).reshaped([1, keys]) .> Tensor.arange(Float(queries)).reshaped([queries, 1])
            hidden = hidden.map { Tensor.maximum($0, future) } ?? future
        }
        let (weights, output, keep) = withoutGradient { () -> (Tensor, Tensor, Tensor?) in
            var scores = query.matmul(key, transposeB: true, alpha: factor)
            if let additive = mask.additive { scores = scores + additive }
            if let hidden { scores = Tensor.select(where: hidden, Tensor(-.infinity), scores) }
            // A row with every key hidden has no finite score: its weights are 0, not NaN.
            var probabilities = scores.softmax()
            if hidden != nil || mask.additive != nil { probabilities = ElementwiseKernel.map(probabilities, Operators.NaNToZero()) }
            var keep: Tensor?
            var attended = probabilities
            if dropout > 0 {
                keep = (Tensor.randomUniform(probabilities.shape, generator: &generator) .>= dropout) / (1 - dropout)
                attended = probabilities * keep!
            }
            return (probabilities, attended.matmul(value), keep)
        }
        let additive = mask.additive
        guard Autograd.shouldRecord([query, key, value] + (additive.map { [$0] } ?? [])) else { return (output, weights) }
        let recorded = output.recorded("scaledDotProductAttention", optionalInputs: [query, key, value, additive]) { g in
            let attended = keep.map { weights * $0 } ?? weights
            let gradientOfValue = value.requiresGradient ? attended.matmul(g, transposeA: true).reduced(toShape: value.shape) : nil
            var gradientOfWeights = g.matmul(value, transposeB: true)
            if let keep { gradientOfWeights = gradientOfWeights * keep }
            let gradientOfScores = Tensor.softmaxGradient(probabilities: weights, outputGradient: gradientOfWeights, alongAxis: -1)
            let gradientOfQuery = query.requiresGradient ? gradientOfScores.matmul(key, alpha: factor) : nil
            let gradientOfKey = key.requiresGradient ? gradientOfScores.matmul(query, transposeA: true, alpha: factor) : nil
            let gradientOfMask = additive.flatMap { $0.requiresGradient ? gradientOfScores.reduced(toShape: $0.shape) : nil }
            return [gradientOfQuery, gradientOfKey, gradientOfValue, gradientOfMask]
        }
        return (recorded, weights)
    }

    /// `scaledDotProduct` without dropout (no generator needed).
    public static func scaledDotProduct(query: Tensor, key: Tensor, value: Tensor, mask: AttentionMask = AttentionMask(),
                                        scale: Float? = nil) -> (output: Tensor, weights: Tensor) {
        var unused = RandomGenerator(seed: 0)
        return scaledDotProduct(query: query, key: key, value: value, mask: mask, scale: scale, dropout: 0, generator: &unused)
    }
}
