/// Slot attention (Locatello et al. 2020, "Object-Centric Learning with Slot Attention"): `slotCount`
/// slots compete for the input tokens (a softmax over the slots for each token, so every token is
/// shared out among them) and are refined over `iterations` rounds:
///
///     k, v = toKey(norm(x)), toValue(norm(x))                       x: [B, N, inputWidth]
///     repeat:  a = softmax_slots(k · toQuery(normSlots(s))ᵀ / √d)    [B, N, K]
///              w = a / Σ_tokens a                                    a weighted mean per slot
///              s = GRU(wᵀ v, s);  s = s + MLP(normFeedForward(s))
///
/// The slots start from learned queries, one vector per slot (as DETR's object queries, and as
/// Jia et al. 2023 do for slot attention), so a call is deterministic; the paper instead samples
/// them from a learned Gaussian, which makes the slots exchangeable but the output random.
///
/// Returns the slots [B, K, width] and the last round's attention [B, K, N], each slot's weights
/// summing to 1 over the tokens (the weighted mean it took), plus its raw mass Σ_tokens a
/// [B, K, 1]: how many tokens the slot won.
public final class SlotAttention: Module {
    public let slotCount: Int
    public let width: Int
    public let iterations: Int
    /// The slots' starting values [1, K, width].
    public let initialSlots: Parameter
    public let inputNorm: LayerNorm, slotNorm: LayerNorm, feedForwardNorm: LayerNorm
    public let toQuery: Linear, toKey: Linear, toValue: Linear
    public let update: GRU
    public let feedForward: Sequential

    public init(slotCount: Int, inputWidth: Int, width: Int, iterations: Int = 3, hiddenWidth: Int? = nil,
                generator: inout RandomGenerator) {
        precondition(slotCount > 0 && inputWidth > 0 && width > 0 && iterations > 0,
                     "SlotAttention: \(slotCount) slots, input width \(inputWidth), width \(width), \(iterations) iterations")
        self.slotCount = slotCount
        self.width = width
        self.iterations = iterations
        initialSlots = Parameter(Tensor.randomNormal([1, slotCount, width], standardDeviation: 1, generator: &generator))
        inputNorm = LayerNorm(inputWidth)
        slotNorm = LayerNorm(width)
        feedForwardNorm = LayerNorm(width)
        toQuery = Linear(width, width, bias: false, generator: &generator)
        toKey = Linear(inputWidth, width, bias: false, generator: &generator)
        toValue = Linear(inputWidth, width, bias: false, generator: &generator)
        update = GRU(inputSize: width, hiddenSize: width, generator: &generator)
        let hidden = hiddenWidth ?? 2 * width
        feedForward = Sequential([Linear(width, hidden, generator: &generator), ReLU(), Linear(hidden, width, generator: &generator)])
        super.init()
    }

    /// The slots of `inputs` [B, N, inputWidth]; see the type's description.
    public func callAsFunction(_ inputs: Tensor) -> (slots: Tensor, attention: Tensor, mass: Tensor) {
        precondition(inputs.rank == 3 && inputs.shape[2] == inputNorm.normalizedShape[0],
                     "SlotAttention: inputs \(inputs.shape), expected [B, N, \(inputNorm.normalizedShape[0])]")
        let batch = inputs.shape[0]
        let normalized = inputNorm(inputs)
        let keys = toKey(normalized), values = toValue(normalized)                  // [B, N, d]
        var slots = initialSlots.value.broadcast(to: [batch, slotCount, width])
        let scale = 1 / Float(width).squareRoot()
        var weights = Tensor.zeros([batch, slotCount, inputs.shape[1]])
        var mass = Tensor.zeros([batch, slotCount, 1])
        for _ in 0..<iterations {
            let previous = slots
            let queries = toQuery(slotNorm(slots))                                    // [B, K, d]
            let logits = queries.matmul(keys, transposeB: true) * scale               // [B, K, N]
            // Competition: each token's weight is shared among the slots.
            let shares = logits.softmax(alongAxis: 1) + 1e-8
            mass = shares.sum(alongAxes: [2], keepingDimensions: true)                // [B, K, 1]
            weights = shares / mass
            let updates = weights.matmul(values)                                     // [B, K, d]
            let (_, hidden) = update(updates.reshaped([batch * slotCount, 1, width]),
                                     initialHidden: previous.reshaped([1, batch * slotCount, width]))
            slots = hidden.reshaped([batch, slotCount, width])
            slots = slots + feedForward(feedForwardNorm(slots))
        }
        return (slots, weights, mass)
    }
}
