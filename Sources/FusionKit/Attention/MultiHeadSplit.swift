extension Attention {
    /// Multi-head attention over inputs already projected to rows: `query` [B, Lq, H·d], `key`
    /// [B, Lk, H·d], `value` [B, Lk, H·dv], head h in columns h·d ..< (h + 1)·d (the layout a
    /// `Linear` or a stacked projection produces). Returns the heads' outputs joined back into rows
    /// [B, Lq, H·dv], ready for an output projection, and the weights per head [B, H, Lq, Lk].
    ///
    /// `path(queries:keys:dropout:)` chooses the kernel (`AttentionPath`): few query-key pairs
    /// are attended in place (`interleavedHeads`), more through one GEMM per head on the rows'
    /// own layout (`headGEMMs`); dropout needs the reference path, which reorders the rows into
    /// [B, H, L, d] for `scaledDotProduct` and the result back. All compute
    /// softmax(Q·Kᵀ/√d + mask)·V per head. Used by `MultiheadAttention` and by the pretrained
    /// encoders, whose checkpoints keep separate query, key and value projections.
    public static func multiHead(query: Tensor, key: Tensor, value: Tensor, heads: Int, mask: AttentionMask = AttentionMask(),
                                 dropout: Float = 0, generator: inout RandomGenerator) -> (output: Tensor, weights: Tensor) {
        precondition(query.rank == 3 && key.rank == 3 && value.rank == 3 && query.shape[0] == key.shape[0]
                     && key.shape[0] == value.shape[0] && key.shape[1] == value.shape[1] && query.shape[2] == key.shape[2]
                     && heads > 0 && query.shape[2] % heads == 0 && value.shape[2] % heads == 0,
                     "Attention.multiHead: query \(query.shape), key \(key.shape), value \(value.shape) do not fit [B, L, \(heads)·d]")
        let (batch, queries, keys) = (query.shape[0], query.shape[1], key.shape[1])
        // Only the reference path draws dropout masks, whatever is forced.
        let chosen = dropout > 0 ? .reference : forcedPath ?? path(queries: queries, keys: keys, dropout: dropout)
        switch chosen {
        case .interleavedHeads: return interleavedHeads(query: query, key: key, value: value, heads: heads, mask: mask)
        case .headGEMMs: return headGEMMs(query: query, key: key, value: value, heads: heads, mask: mask)
        case .reference: KernelPathLog.record("attention", AttentionPath.reference.rawValue)
        }
        func split(_ rows: Tensor) -> Tensor {
            rows.reshaped([batch, rows.shape[1], heads, rows.shape[2] / heads]).permuted([0, 2, 1, 3])
        }
        let (attended, weights) = scaledDotProduct(query: split(query), key: split(key), value: split(value), mask: mask,
                                                   dropout: dropout, generator: &generator)
        return (attended.permuted([0, 2, 1, 3]).reshaped([batch, queries, value.shape[2]]), weights)
    }
}
