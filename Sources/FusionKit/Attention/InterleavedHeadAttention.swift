import CFusionKitKernels

/// Scaled dot-product attention over short sequences, read straight from the projections' rows.
///
/// Multi-head attention projects its inputs to rows [batch, length, heads·depth] with head h in
/// columns h·depth ..< (h + 1)·depth. The general path (`scaledDotProduct`) reorders those rows
/// into [batch, heads, length, depth] for its batched matrix products and reorders the result
/// back, four copies of every activation forward and four more backward, and for short
/// sequences each of its products is a GEMM call of a few hundred multiply-adds. Here every
/// (element, head) pair is walked in place instead: scores, softmax and weighted sum per query
/// row, four floats at a time, with the output written in the row layout the output projection
/// reads. The formulas are `scaledDotProduct`'s (no dropout):
///
///     S = scale·Q·Kᵀ + mask,  P = softmax(S),  O = P·V
///     dV = Pᵀ·G,  dP = G·Vᵀ,  dS = P ⊙ (dP − Σ_k dP ⊙ P),  dQ = scale·dS·K,  dK = scale·dSᵀ·Q
///
/// Measured against the general path with its head reorderings (fastest of 50, two runs): 1,280
/// single queries over 9 keys, 4 heads of 16 (the transformer VQA model's question rows), forward
/// 0.76–0.79 against 1.29–1.98 ms, forward and backward 2.5–3.6 against 4.4–7.0 ms; 64 × 8 slots
/// over themselves 0.28–0.29 against 0.24–0.33 ms and 0.72 against 0.56–0.76 ms. Per transformer
/// training step, attention and head reorderings together 24 → 11–13 ms.
extension Attention {
    /// The most query-key pairs per head `MultiheadAttention` sends to `interleavedHeads`; beyond
    /// them the batched GEMMs of the general path are faster than these loops (forward and
    /// backward, 64 elements, 4 heads of 16: 1 × 32 pairs 0.47 against 1.32 ms, 4 × 25 0.85
    /// against 1.14 ms, 8 × 8 0.53 against 0.62 ms; but 16 × 16 1.96 against 1.41 ms and 12 × 25
    /// 2.42 against 1.63 ms).
    static let interleavedHeadsLimit = 128

    /// Attention of `heads` heads with `query` [B, Lq, H·d], `key` [B, Lk, H·d] and `value`
    /// [B, Lk, H·dv] in the projections' row layout (head h in columns h·d ..< (h + 1)·d).
    /// Returns the output [B, Lq, H·dv] in the same layout and the weights [B, H, Lq, Lk].
    /// The mask is `scaledDotProduct`'s; a query whose keys are all hidden gets weights 0.
    public static func interleavedHeads(query: Tensor, key: Tensor, value: Tensor, heads: Int,
                                 mask: AttentionMask = AttentionMask(), scale: Float? = nil) -> (output: Tensor, weights: Tensor) {
        KernelPathLog.record("attention", AttentionPath.interleavedHeads.rawValue)
        let rows = HeadRows(checking: "interleavedHeads", query: query, key: key, value: value, heads: heads, mask: mask)
        let layout = rows
        let factor = scale ?? 1 / Float(rows.depth).squareRoot()
        let (offsets, (weights, output)) = (rows.fullAdditive(mask), rows.uninitializedResults())
        let (q, k, v) = (query.pointer, key.pointer, value.pointer)
        let (p, o) = (weights.storage.pointer, output.storage.pointer)
        let added = offsets?.pointer, padding = mask.keyPadding?.pointer, causal = mask.causal
        Parallel.forEachChunk(count: layout.batch, minimumChunk: minimumChunk(layout)) { elements in
            let exponents = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(layout.keys, 1))
            defer { exponents.deallocate() }
            for b in elements {
                for h in 0..<heads {
                    for i in 0..<layout.queries {
                        let row = layout.scoreRow(b, h, i)
                        let scores = p + row
                        let queryRow = q + layout.queryOffset(b, i, h)
                        for j in 0..<layout.keys {
                            var score = factor * Lanes.dot(queryRow, k + layout.keyOffset(b, j, h), layout.depth)
                            if let added { score += added[row + j] }
                            if (causal && j > i) || (padding != nil && padding![b * layout.keys + j] != 0) { score = -.infinity }
                            scores[j] = score
                        }
                        softmaxRow(scores, count: layout.keys, scratch: exponents)
                        let out = o + layout.outputOffset(b, i, h)
                        out.initialize(repeating: 0, count: layout.valueDepth)
                        for j in 0..<layout.keys where scores[j] != 0 {
                            Lanes.addScaled(v + layout.valueOffset(b, j, h), scores[j], into: out, layout.valueDepth)
                        }
                    }
                }
            }
        }
        withExtendedLifetime(offsets) {}
        return recordHeadAttention("interleavedHeadAttention", output: output, weights: weights, query: query, key: key, value: value,
                                   mask: mask) { g, wantScores in
            interleavedHeadsBackward(g, query: query, key: key, value: value, weights: weights, layout: layout, scale: factor, wantScores: wantScores)
        }
    }

    /// Softmax of one row of scores in place (the exponentials through `scratch`, in the vector
    /// kernel); a row with no finite score becomes zeros.
    static func softmaxRow(_ scores: UnsafeMutablePointer<Float>, count: Int, scratch: UnsafeMutablePointer<Float>) {
        var peak = -Float.infinity
        for j in 0..<count { peak = Swift.max(peak, scores[j]) }
        guard peak > -.infinity, !peak.isNaN else {
            scores.update(repeating: 0, count: count)
            return
        }
        for j in 0..<count { scratch[j] = scores[j] - peak }
        fk_exp(scratch, scores, count)
        var total: Float = 0
        for j in 0..<count { total += scores[j] }
        let reciprocal = 1 / total
        for j in 0..<count { scores[j] *= reciprocal }
    }

    /// The gradients of query, key and value (and of the scores when `wantScores`), per element
    /// of the batch on its own core. Per (element, head): dS for all queries first, then each
    /// row of dQ, dK and dV written once.
    private static func interleavedHeadsBackward(_ g: Tensor, query: Tensor, key: Tensor, value: Tensor, weights: Tensor,
                                                 layout: HeadRows, scale: Float, wantScores: Bool)
        -> HeadGradients {
        let (dQuery, dKey, dValue, dScores) = layout.uninitializedGradients(wantScores: wantScores)
        let (q, k, v, p, upstream) = (query.pointer, key.pointer, value.pointer, weights.pointer, g.pointer)
        let (dq, dk, dv, ds) = (dQuery.storage.pointer, dKey.storage.pointer, dValue.storage.pointer, dScores?.storage.pointer)
        let (queries, keys) = (layout.queries, layout.keys)
        Parallel.forEachChunk(count: layout.batch, minimumChunk: minimumChunk(layout)) { elements in
            let block = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(queries * keys, 1))
            defer { block.deallocate() }
            for b in elements {
                for h in 0..<layout.heads {
                    let probabilities = p + layout.scoreRow(b, h, 0)
                    // dP_ij = g_i·v_j, then dS_ij = P_ij (dP_ij − Σ_j P_ij dP_ij).
                    for i in 0..<queries {
                        let gradient = upstream + layout.outputOffset(b, i, h)
                        let (weightRow, row) = (probabilities + i * keys, block + i * keys)
                        var weighted: Float = 0
                        for j in 0..<keys {
                            row[j] = weightRow[j] == 0 ? 0 : Lanes.dot(gradient, v + layout.valueOffset(b, j, h), layout.valueDepth)
                            weighted += weightRow[j] * row[j]
                        }
                        for j in 0..<keys { row[j] = weightRow[j] * (row[j] - weighted) }
                    }
                    if let ds { (ds + layout.scoreRow(b, h, 0)).update(from: block, count: queries * keys) }
                    // dQ_i = scale Σ_j dS_ij k_j.
                    for i in 0..<queries {
                        let target = dq + layout.queryOffset(b, i, h)
                        target.initialize(repeating: 0, count: layout.depth)
                        for j in 0..<keys where block[i * keys + j] != 0 {
                            Lanes.addScaled(k + layout.keyOffset(b, j, h), scale * block[i * keys + j], into: target, layout.depth)
                        }
                    }
                    // dK_j = scale Σ_i dS_ij q_i and dV_j = Σ_i P_ij g_i.
                    for j in 0..<keys {
                        let keyTarget = dk + layout.keyOffset(b, j, h), valueTarget = dv + layout.valueOffset(b, j, h)
                        keyTarget.initialize(repeating: 0, count: layout.depth)
                        valueTarget.initialize(repeating: 0, count: layout.valueDepth)
                        for i in 0..<queries {
                            let (dScore, weight) = (block[i * keys + j], probabilities[i * keys + j])
                            if dScore != 0 { Lanes.addScaled(q + layout.queryOffset(b, i, h), scale * dScore, into: keyTarget, layout.depth) }
                            if weight != 0 { Lanes.addScaled(upstream + layout.outputOffset(b, i, h), weight, into: valueTarget, layout.valueDepth) }
                        }
                    }
                }
            }
        }
        return (dQuery, dKey, dValue, dScores)
    }

    /// Elements per chunk so that a core gets at least ~16k multiply-adds.
    private static func minimumChunk(_ layout: HeadRows) -> Int {
        Swift.max(1, 16384 / Swift.max(1, layout.heads * layout.queries * layout.keys * (layout.depth + layout.valueDepth)))
    }
}
