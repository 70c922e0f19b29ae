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
/// Its speed against the other paths is in Docs/Benchmarks.md ("Attention heads read in place",
/// "Attention through one GEMM per head").
extension Attention {
    /// The most query-key pairs per head `Attention.path` sends to `interleavedHeads`; beyond
    /// them one GEMM per head (`headGEMMs`) is faster than these loops, below it the loops are
    /// as fast or faster (measured against both other paths in Docs/Benchmarks.md).
    static let interleavedHeadsLimit = 128

    /// Attention of `heads` heads with `query` [B, Lq, H·d], `key` [B, Lk, H·d] and `value`
    /// [B, Lk, H·dv] in the projections' row layout (head h in columns h·d ..< (h + 1)·d).
    /// Returns the output [B, Lq, H·dv] in the same layout and the weights [B, H, Lq, Lk].
    /// The mask is `scaledDotProduct`'s; a query whose keys are all hidden gets weights 0.
    public static func interleavedHeads(query: Tensor, key: Tensor, value: Tensor, heads: Int,
                                 mask: AttentionMask = AttentionMask(), scale: Float? = nil) -> (output: Tensor, weights: Tensor) {
        // Deliberate twin of `headGEMMs`' start (see there).
        KernelPathLog.record("attention", AttentionPath.interleavedHeads.rawValue)
        let rows = HeadRows(checking: "interleavedHeads", query: query, key: key, value: value, heads: heads, mask: mask)
        let (factor, offsets, weights, output) = rows.forwardStart(mask: mask, scale: scale)
        let causal = mask.causal
        withPointers(query, key, value) { q, k, v in
            offsets.withPointer { added in mask.keyPadding.withPointer { padding in
                withFreshPointers(weights, output) { p, o in
                    Parallel.forEachChunk(count: rows.batch, minimumChunk: minimumChunk(rows)) { elements in
                        for b in elements {
                            for h in 0..<heads {
                                for i in 0..<rows.queries {
                                    let row = rows.scoreRow(b, h, i)
                                    let scores = p + row
                                    let queryRow = q + rows.queryOffset(b, i, h)
                                    for j in 0..<rows.keys {
                                        var score = factor * Lanes.dot(queryRow, k + rows.keyOffset(b, j, h), rows.depth)
                                        if let added { score += added[row + j] }
                                        if (causal && j > i) || (padding != nil && padding![b * rows.keys + j] != 0) { score = -.infinity }
                                        scores[j] = score
                                    }
                                    // One vector kernel: Swift's own loops for the peak and the sum stay
                                    // scalar, as they may not reorder the additions.
                                    fk_softmax_row(scores, rows.keys)
                                    let out = o + rows.outputOffset(b, i, h)
                                    out.initialize(repeating: 0, count: rows.valueDepth)
                                    for j in 0..<rows.keys where scores[j] != 0 {
                                        Lanes.addScaled(v + rows.valueOffset(b, j, h), scores[j], into: out, rows.valueDepth)
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
        return recordHeadAttention("interleavedHeadAttention", output: output, weights: weights, query: query, key: key, value: value,
                                   mask: mask) { g, wantScores in
            interleavedHeadsBackward(g, query: query, key: key, value: value, weights: weights, rows: rows, scale: factor, wantScores: wantScores)
        }
    }

    /// The gradients of query, key and value (and of the scores when `wantScores`), per element
    /// of the batch on its own core. Per (element, head): dS for all queries first, then each
    /// row of dQ, dK and dV written once.
    private static func interleavedHeadsBackward(_ g: Tensor, query: Tensor, key: Tensor, value: Tensor, weights: Tensor,
                                                 rows: HeadRows, scale: Float, wantScores: Bool)
        -> HeadGradients {
        let (dQuery, dKey, dValue, dScores) = rows.uninitializedGradients(wantScores: wantScores)
        let (queries, keys) = (rows.queries, rows.keys)
        withPointers(query, key, value) { q, k, v in withPointers(weights, g) { p, upstream in
            withFreshPointers(dQuery, dKey, dValue) { dq, dk, dv in dScores.withFreshPointer { ds in
                Parallel.forEachChunk(count: rows.batch, minimumChunk: minimumChunk(rows)) { elements in
                    let block = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(queries * keys, 1))
                    defer { block.deallocate() }
                    for b in elements {
                        for h in 0..<rows.heads {
                            let probabilities = p + rows.scoreRow(b, h, 0)
                            // dP_ij = g_i·v_j, then dS_ij = P_ij (dP_ij − Σ_j P_ij dP_ij).
                            for i in 0..<queries {
                                let gradient = upstream + rows.outputOffset(b, i, h)
                                let (weightRow, row) = (probabilities + i * keys, block + i * keys)
                                var weighted: Float = 0
                                for j in 0..<keys {
                                    row[j] = weightRow[j] == 0 ? 0 : Lanes.dot(gradient, v + rows.valueOffset(b, j, h), rows.valueDepth)
                                    weighted += weightRow[j] * row[j]
                                }
                                for j in 0..<keys { row[j] = weightRow[j] * (row[j] - weighted) }
                            }
                            if let ds { (ds + rows.scoreRow(b, h, 0)).update(from: block, count: queries * keys) }
                            // dQ_i = scale Σ_j dS_ij k_j.
                            for i in 0..<queries {
                                let target = dq + rows.queryOffset(b, i, h)
                                target.initialize(repeating: 0, count: rows.depth)
                                for j in 0..<keys where block[i * keys + j] != 0 {
                                    Lanes.addScaled(k + rows.keyOffset(b, j, h), scale * block[i * keys + j], into: target, rows.depth)
                                }
                            }
                            // dK_j = scale Σ_i dS_ij q_i and dV_j = Σ_i P_ij g_i.
                            for j in 0..<keys {
                                let keyTarget = dk + rows.keyOffset(b, j, h), valueTarget = dv + rows.valueOffset(b, j, h)
                                keyTarget.initialize(repeating: 0, count: rows.depth)
                                valueTarget.initialize(repeating: 0, count: rows.valueDepth)
                                for i in 0..<queries {
                                    let (dScore, weight) = (block[i * keys + j], probabilities[i * keys + j])
                                    if dScore != 0 { Lanes.addScaled(q + rows.queryOffset(b, i, h), scale * dScore, into: keyTarget, rows.depth) }
                                    if weight != 0 {
                                        Lanes.addScaled(upstream + rows.outputOffset(b, i, h), weight, into: valueTarget, rows.valueDepth)
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        } }
        return (dQuery, dKey, dValue, dScores)
    }

    /// Elements per chunk so that a core gets at least `Tuning.parallelArithmeticElements` multiply-adds.
    private static func minimumChunk(_ rows: HeadRows) -> Int {
        Swift.max(1, Tuning.parallelArithmeticElements / Swift.max(1, rows.heads * rows.queries * rows.keys * (rows.depth + rows.valueDepth)))
    }
}
