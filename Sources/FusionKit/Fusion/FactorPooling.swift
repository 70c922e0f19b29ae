/// MFB's pooling as one graph node (Yu, Yu, Fan, Tao, "Multi-modal Factorized Bilinear Pooling
/// with Co-Attention Learning for Visual Question Answering", ICCV 2017): over the last axis,
/// sum each window of `factor` values, take the signed square root, and L2-normalise the row:
///
///     p_j = Σ_f x[j·k + f],   s_j = sign(p_j)·√(|p_j| + ε₁),   y = s / √(Σ_j s_j² + ε₂)
///
/// Composed from tensor operations this was about ten passes forward and more backward, each
/// keeping a tensor of the pooled size; here it is one pass each way, keeping y and the row norms.
/// Backward: ∂L/∂s = (g − y·⟨g, y⟩) / n, ∂s/∂p = 1 / (2|s|) (0 where p = 0, as the composed
/// version's sign has no gradient), and every element of a window receives its p's gradient.
extension Tensor {
    /// [..., o·factor] → [..., o]: window sums, signed square root, L2 normalisation of each row.
    public func factorPooledSignedRoot(factor: Int, sqrtEpsilon: Float = 1e-8, normEpsilon: Float = 1e-12) -> Tensor {
        precondition(factor > 0 && rank >= 1 && shape[rank - 1] % factor == 0,
                     "factorPooledSignedRoot: last axis of \(shape) is not a multiple of factor \(factor)")
        let width = shape[rank - 1] / factor
        let rows = width == 0 ? 0 : count / (width * factor)
        var outputShape = shape
        outputShape[rank - 1] = width
        let result = Tensor(uninitializedShape: outputShape)
        let norms = Tensor(uninitializedShape: [rows])
        withPointer { source in
            withFreshPointers(result, norms) { out, rowNorms in
                Parallel.forEachChunk(count: rows, elementsEach: width * factor) { range in
                    for row in range {
                        let x = source + row * width * factor, y = out + row * width
                        var squares: Float = 0
                        for j in 0..<width {
                            var p: Float = 0
                            for f in 0..<factor { p += x[j * factor + f] }
                            let root = (Swift.abs(p) + sqrtEpsilon).squareRoot()
                            let s = p > 0 ? root : (p < 0 ? -root : 0)
                            y[j] = s
                            squares += s * s
                        }
                        let norm = (squares + normEpsilon).squareRoot()
                        rowNorms[row] = norm
                        for j in 0..<width { y[j] /= norm }
                    }
                }
            }
        }
        let input = self
        guard Autograd.shouldRecord(input) else { return result }
        return result.recorded("factorPooledSignedRoot", inputs: [input]) { g in
            let gradient = Tensor(uninitializedShape: input.shape)
            withPointers(g, result, norms) { upstream, y, rowNorms in
                gradient.withFreshPointer { target in
                    Parallel.forEachChunk(count: rows, elementsEach: width * factor) { range in
                        for row in range {
                            let gy = upstream + row * width, yr = y + row * width, norm = rowNorms[row]
                            var dot: Float = 0
                            for j in 0..<width { dot += gy[j] * yr[j] }
                            let dx = target + row * width * factor
                            for j in 0..<width {
                                let s = yr[j] * norm
                                let ds = (gy[j] - yr[j] * dot) / norm
                                let dp = s == 0 ? 0 : ds / (2 * Swift.abs(s))
                                for f in 0..<factor { dx[j * factor + f] = dp }
                            }
                        }
                    }
                }
            }
            return [gradient]
        }
    }
}
