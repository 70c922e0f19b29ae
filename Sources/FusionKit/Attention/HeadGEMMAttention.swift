import CFusionKitKernels

/// Multi-head attention through one GEMM per (element, head), on the projections' row layout.
///
/// In rows [B, L, H·d] head h of element b is an L × d matrix whose rows lie H·d floats apart,
/// which BLAS multiplies in place when given that row stride. Per (b, h):
///
///     S = scale·Q·Kᵀ + mask    one GEMM, written into the weights [B, H, Lq, Lk]
///     P = softmax(S)           per row, in place
///     O = P·V                  one GEMM, written straight into the output rows [B, Lq, H·dv]
///
/// and backward, with G the output's gradient in the same rows:
///
///     dV = Pᵀ·G,  dP = G·Vᵀ,  dS = P ⊙ (dP − Σ_k P ⊙ dP),  dQ = scale·dS·K,  dK = scale·dSᵀ·Q
///
/// The reference path (`scaledDotProduct` behind `Attention.multiHead`) runs the same products
/// after copying the heads out into [B, H, L, d], and copies the result back.
extension Attention {
    /// Attention of `heads` heads with `query` [B, Lq, H·d], `key` [B, Lk, H·d] and `value`
    /// [B, Lk, H·dv], head h in columns h·d ..< (h + 1)·d. Returns the output [B, Lq, H·dv] in
    /// the same layout and the weights [B, H, Lq, Lk]. The mask is `scaledDotProduct`'s; a query
    /// whose keys are all hidden gets weights 0.
    public static func headGEMMs(query: Tensor, key: Tensor, value: Tensor, heads: Int,
                                 mask: AttentionMask = AttentionMask(), scale: Float? = nil) -> (output: Tensor, weights: Tensor) {
        // Deliberate twin of `interleavedHeads`' start: same contract, another walk.
        KernelPathLog.record("attention", AttentionPath.headGEMMs.rawValue)
        let rows = HeadRows(checking: "headGEMMs", query: query, key: key, value: value, heads: heads, mask: mask)
        let (factor, offsets, weights, output) = rows.forwardStart(mask: mask, scale: scale)
        let (queries, keys) = (rows.queries, rows.keys)
        let causal = mask.causal
        withPointers(query, key, value) { q, k, v in
            offsets.withPointer { added in mask.keyPadding.withPointer { padding in
                withFreshPointers(weights, output) { p, o in
                    forEachBlock(rows) { range in
                        for block in range {
                            let (b, h) = (block / rows.heads, block % rows.heads)
                            let scores = p + rows.scoreRow(b, h, 0)
                            Tensor.gemm(q + rows.queryOffset(b, 0, h), k + rows.keyOffset(b, 0, h), scores, m: queries, n: keys,
                                        k: rows.depth, transposeA: false, transposeB: true, alpha: factor,
                                        rowStrides: (rows.queryStride, rows.queryStride, keys))
                            for i in 0..<queries {
                                let row = scores + i * keys
                                if let added {
                                    let offset = added + rows.scoreRow(b, h, i)
                                    for j in 0..<keys { row[j] += offset[j] }
                                }
                                if let padding {
                                    for j in 0..<keys where padding[b * keys + j] != 0 { row[j] = -.infinity }
                                }
                                if causal {
                                    for j in (i + 1)..<keys { row[j] = -.infinity }
                                }
                                fk_softmax_row(row, keys)
                            }
                            Tensor.gemm(scores, v + rows.valueOffset(b, 0, h), o + rows.outputOffset(b, 0, h), m: queries,
                                        n: rows.valueDepth, k: keys, transposeA: false, transposeB: false,
                                        rowStrides: (keys, rows.valueStride, rows.valueStride))
                        }
                    }
                }
            } }
        }
        return recordHeadAttention("headGEMMAttention", output: output, weights: weights, query: query, key: key, value: value,
                                   mask: mask) { g, wantScores in
            headGEMMsBackward(g, query: query, key: key, value: value, weights: weights, rows: rows, scale: factor, wantScores: wantScores)
        }
    }

    /// The gradients of query, key and value (and of the scores when `wantScores`): per
    /// (element, head) four GEMMs on the rows in place and dS between them. Its signature and
    /// setup mirror `interleavedHeadsBackward` on purpose: each path keeps its backward beside
    /// its forward, with the same contract.
    private static func headGEMMsBackward(_ g: Tensor, query: Tensor, key: Tensor, value: Tensor, weights: Tensor,
                                          rows: HeadRows, scale: Float, wantScores: Bool)
        -> HeadGradients {
        // Every element of the gradients is written by exactly one block's GEMM (beta 0).
        let (dQuery, dKey, dValue, dScores) = rows.uninitializedGradients(wantScores: wantScores)
        let (queries, keys) = (rows.queries, rows.keys)
        withPointers(query, key, value) { q, k, v in withPointers(weights, g) { p, upstream in
            withFreshPointers(dQuery, dKey, dValue) { dq, dk, dv in dScores.withFreshPointer { ds in
                forEachBlock(rows) { range in
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(queries * keys, 1))
                    defer { scratch.deallocate() }
                    for block in range {
                        let (b, h) = (block / rows.heads, block % rows.heads)
                        let probabilities = p + rows.scoreRow(b, h, 0), gradient = upstream + rows.outputOffset(b, 0, h)
                        let dS = ds.map { $0 + rows.scoreRow(b, h, 0) } ?? scratch
                        // dV = Pᵀ·G.
                        Tensor.gemm(probabilities, gradient, dv + rows.valueOffset(b, 0, h), m: keys, n: rows.valueDepth,
                                    k: queries, transposeA: true, transposeB: false, rowStrides: (keys, rows.valueStride, rows.valueStride))
                        // dP = G·Vᵀ, then dS = P ⊙ (dP − Σ_k P ⊙ dP) row by row.
                        Tensor.gemm(gradient, v + rows.valueOffset(b, 0, h), dS, m: queries, n: keys, k: rows.valueDepth,
                                    transposeA: false, transposeB: true, rowStrides: (rows.valueStride, rows.valueStride, keys))
                        for i in 0..<queries {
                            let (weightRow, row) = (probabilities + i * keys, dS + i * keys)
                            var weighted: Float = 0
                            for j in 0..<keys { weighted += weightRow[j] * row[j] }
                            for j in 0..<keys { row[j] = weightRow[j] * (row[j] - weighted) }
                        }
                        // dQ = scale·dS·K and dK = scale·dSᵀ·Q.
                        Tensor.gemm(dS, k + rows.keyOffset(b, 0, h), dq + rows.queryOffset(b, 0, h), m: queries, n: rows.depth,
                                    k: keys, transposeA: false, transposeB: false, alpha: scale,
                                    rowStrides: (keys, rows.queryStride, rows.queryStride))
                        Tensor.gemm(dS, q + rows.queryOffset(b, 0, h), dk + rows.keyOffset(b, 0, h), m: keys, n: rows.depth,
                                    k: queries, transposeA: true, transposeB: false, alpha: scale,
                                    rowStrides: (keys, rows.queryStride, rows.queryStride))
                    }
                }
            } }
        } }
        return (dQuery, dKey, dValue, dScores)
    }

    /// Runs `body` over all blocks n = b·H + h (element b, head h): split among the cores (each
    /// with single-threaded BLAS) when the products add up to `sharedWork` multiply-adds, on the
    /// calling thread below it, where waking a second thread costs about as much as it saves
    /// (measured in Docs/Benchmarks.md, "Attention through one GEMM per head").
    private static func forEachBlock(_ rows: HeadRows, _ body: (Range<Int>) -> Void) {
        let count = rows.batch * rows.heads
        if count >= 2 && count * rows.queries * rows.keys * (rows.depth + rows.valueDepth) >= sharedWork {
            BLAS.parallelChunks(count: count, body)
        } else {
            body(0..<count)
        }
    }

    private static let sharedWork = 1 << 21
}
