/// The geometry the in-place attention kernels (`interleavedHeads`, `headGEMMs`) read: `query`
/// [B, Lq, H·d], `key` [B, Lk, H·d] and `value` [B, Lk, H·dv], head h in columns
/// h·d ..< (h + 1)·d, and a mask that fits them.
struct HeadRows {
    let batch, queries, keys, heads, depth, valueDepth: Int

    /// Stops with a message naming `operation` and the shapes when the inputs or the mask do not
    /// fit the layout (a programmer error inside an op).
    init(checking operation: String, query: Tensor, key: Tensor, value: Tensor, heads: Int, mask: AttentionMask) {
        precondition(query.rank == 3 && key.rank == 3 && value.rank == 3 && heads > 0
                     && query.shape[0] == key.shape[0] && key.shape[0] == value.shape[0] && key.shape[1] == value.shape[1]
                     && query.shape[2] == key.shape[2] && query.shape[2] % heads == 0 && value.shape[2] % heads == 0,
                     "\(operation): query \(query.shape), key \(key.shape), value \(value.shape) do not fit [B, L, \(heads)·d]")
        (batch, queries, keys) = (query.shape[0], query.shape[1], key.shape[1])
        (self.heads, depth, valueDepth) = (heads, query.shape[2] / heads, value.shape[2] / heads)
        if let padding = mask.keyPadding {
            precondition(padding.shape == [batch, keys],
                         "\(operation): key padding mask \(padding.shape), expected \([batch, keys])")
        }
        if mask.causal {
            precondition(queries == keys, "\(operation): a causal mask needs as many queries as keys, got \(queries) and \(keys)")
        }
    }

    /// Floats between consecutive rows of the query and key rows, and of the value and output rows.
    var queryStride: Int { heads * depth }
    var valueStride: Int { heads * valueDepth }

    /// Where query i, key j, value j and output row i of head h of element b start.
    func queryOffset(_ b: Int, _ i: Int, _ h: Int) -> Int { (b * queries + i) * queryStride + h * depth }
    func keyOffset(_ b: Int, _ j: Int, _ h: Int) -> Int { (b * keys + j) * queryStride + h * depth }
    func valueOffset(_ b: Int, _ j: Int, _ h: Int) -> Int { (b * keys + j) * valueStride + h * valueDepth }
    func outputOffset(_ b: Int, _ i: Int, _ h: Int) -> Int { (b * queries + i) * valueStride + h * valueDepth }
    /// The first score of query i of head h of element b in [B, H, Lq, Lk].
    func scoreRow(_ b: Int, _ h: Int, _ i: Int) -> Int { ((b * heads + h) * queries + i) * keys }

    /// The weights' shape, [B, H, Lq, Lk].
    var scoreShape: [Int] { [batch, heads, queries, keys] }

    /// The weights [B, H, Lq, Lk] and the output rows [B, Lq, H·dv], to be filled.
    func uninitializedResults() -> (weights: Tensor, output: Tensor) {
        (Tensor(uninitializedShape: scoreShape), Tensor(uninitializedShape: [batch, queries, heads * valueDepth]))
    }

    /// The gradients of the query, key and value rows, and of the scores when `wantScores`, to
    /// be filled.
    func uninitializedGradients(wantScores: Bool) -> HeadGradients {
        (Tensor(uninitializedShape: [batch, queries, queryStride]), Tensor(uninitializedShape: [batch, keys, queryStride]),
         Tensor(uninitializedShape: [batch, keys, valueStride]), wantScores ? Tensor(uninitializedShape: scoreShape) : nil)
    }

    /// What a forward kernel starts from: the score scale (`scale`, or 1/√d), the additive mask
    /// in full (`fullAdditive`) and the results to fill (`uninitializedResults`).
    func forwardStart(mask: AttentionMask, scale: Float?) -> (factor: Float, offsets: Tensor?, weights: Tensor, output: Tensor) {
        let (weights, output) = uninitializedResults()
        return (scale ?? 1 / Float(depth).squareRoot(), fullAdditive(mask), weights, output)
    }

    /// The additive mask in full, [B, H, Lq, Lk], so that every (element, head) reads its own.
    func fullAdditive(_ mask: AttentionMask) -> Tensor? {
        mask.additive.map { additive in withoutGradient { additive.broadcast(to: scoreShape) } }
    }
}

/// The gradients an in-place attention kernel's backward returns: of the query, key and value
/// rows, and of the full scores [B, H, Lq, Lk] when the additive mask needs one.
typealias HeadGradients = (query: Tensor, key: Tensor, value: Tensor, scores: Tensor?)

extension Attention {
    /// Records an in-place kernel's `output` as one graph node over query, key, value and the
    /// additive mask; `backward(g, wantScores)` computes the gradients from the output's.
    static func recordHeadAttention(_ name: String, output: Tensor, weights: Tensor, query: Tensor, key: Tensor, value: Tensor,
                                    mask: AttentionMask, backward: @escaping (Tensor, Bool) -> HeadGradients)
        -> (output: Tensor, weights: Tensor) {
        let additive = mask.additive
        guard Autograd.shouldRecord([query, key, value] + (additive.map { [$0] } ?? [])) else { return (output, weights) }
        let recorded = output.recorded(name, optionalInputs: [query, key, value, additive]) { g in
            let gradients = backward(g, additive?.requiresGradient == true)
            return [query.requiresGradient ? gradients.query : nil, key.requiresGradient ? gradients.key : nil,
                    value.requiresGradient ? gradients.value : nil,
                    additive.flatMap { mask in gradients.scores?.reduced(toShape: mask.shape) }]
        }
        return (recorded, weights)
    }
}
