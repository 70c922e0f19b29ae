import CFusionKitKernels
import Foundation

/// Softmax and log-softmax, stable for any input range: the largest value along the axis is
/// subtracted before exponentiating.
extension Tensor {
    /// exp(x) / sum(exp(x)) along `axis`.
    /// Backward (one fused node): dx = y·(g − Σ g·y).
    public func softmax(alongAxis axis: Int = -1) -> Tensor {
        let y = withoutGradient { normalized(alongAxis: axis, logarithm: false, op: "softmax") }
        return recordUnary("softmax", y) { g in Tensor.softmaxGradient(probabilities: y, outputGradient: g, alongAxis: axis) }
    }

    /// x - log(sum(exp(x))) along `axis`. Backward (one fused node): dx = g − softmax(x)·Σ g.
    public func logSoftmax(alongAxis axis: Int = -1) -> Tensor {
        let y = withoutGradient { normalized(alongAxis: axis, logarithm: true, op: "logSoftmax") }
        return recordUnary("logSoftmax", y) { g in
            g - y.exp() * g.sum(alongAxes: axis, keepingDimensions: true)
        }
    }

    /// log Σ exp(x) over the last axis, keeping it (length 1), as one node: per row the peak, then
    /// the sum of exp(x − peak). Backward: dx = g · exp(x − result), softmax(x) scaled by g.
    func logSumExpOfRows() -> Tensor {
        precondition(rank >= 1, "logSumExp: needs at least one axis, got shape \(shape)")
        let length = shape[rank - 1], rows = length == 0 ? 0 : count / length
        let result = Tensor(uninitializedShape: Array(shape.dropLast()) + [1])
        let chunk = Swift.max(1, 32768 / Swift.max(length, 1))
        withPointer { source in
            result.withFreshPointer { target in
                Parallel.forEachChunk(count: rows, minimumChunk: chunk) { range in
                    let exps = UnsafeMutablePointer<Float>.allocate(capacity: length)
                    defer { exps.deallocate() }
                    for r in range {
                        let x = source + r * length
                        var peak = ReductionKernel.extreme(x, count: length, greater: true)
                        if !peak.isFinite { peak = peak.isNaN ? peak : 0 }
                        for i in 0..<length { exps[i] = x[i] - peak }
                        fk_exp(exps, exps, length)
                        target[r] = Foundation.log(ReductionKernel.sum(exps, count: length)) + peak
                    }
                }
            }
        }
        if length == 0 { result.withFreshPointer { $0.initialize(repeating: -.infinity, count: result.count) } }
        let input = self
        return recordUnary("logSumExp", result) { g in
            let gradient = Tensor(uninitializedShape: input.shape)
            withPointers(input, result, g) { x, totals, upstream in
                gradient.withFreshPointer { out in
                    Parallel.forEachChunk(count: rows, minimumChunk: chunk) { range in
                        for r in range {
                            let row = out + r * length, total = totals[r], scale = upstream[r]
                            for i in 0..<length { row[i] = x[r * length + i] - total }
                            fk_exp(row, row, length)
                            for i in 0..<length { row[i] *= scale }
                        }
                    }
                }
            }
            return gradient
        }
    }

    /// y ⊙ (g − Σ g ⊙ y) along `axis`: the gradient of softmax's input from its output y and the
    /// output's gradient g, in one pass per row (rows shared out among cores) on the last axis.
    static func softmaxGradient(probabilities y: Tensor, outputGradient g: Tensor, alongAxis axis: Int) -> Tensor {
        precondition(y.shape == g.shape, "softmaxGradient: shapes \(y.shape) and \(g.shape) differ")
        let axis = Shape.normalize(axis: axis, rank: y.rank, op: "softmaxGradient")
        guard axis == y.rank - 1, y.count > 0 else {
            return y * (g - (g * y).sum(alongAxes: axis, keepingDimensions: true))
        }
        let length = y.shape[axis], rows = y.count / length
        let result = Tensor(uninitializedShape: y.shape)
        withPointers(y, g) { py, pg in
            result.withFreshPointer { out in
                Parallel.forEachChunk(count: rows, minimumChunk: Swift.max(1, 32768 / Swift.max(length, 1))) { range in
                    for r in range {
                        let yr = py + r * length, gr = pg + r * length, o = out + r * length
                        var dot: Float = 0
                        for i in 0..<length { dot += gr[i] * yr[i] }
                        for i in 0..<length { o[i] = yr[i] * (gr[i] - dot) }
                    }
                }
            }
        }
        return result
    }

    private func normalized(alongAxis axis: Int, logarithm: Bool, op: String) -> Tensor {
        let axis = Shape.normalize(axis: axis, rank: rank, op: op)
        let length = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        if inner != 1 {
            // Not the last axis: move it there, normalise rows, move it back.
            var order = Array(0..<rank)
            order.remove(at: axis)
            order.append(axis)
            var inverse = [Int](repeating: 0, count: rank)
            for (position, source) in order.enumerated() { inverse[source] = position }
            return permuted(order).normalized(alongAxis: -1, logarithm: logarithm, op: op).permuted(inverse)
        }
        let result = Tensor(uninitializedShape: shape)
        if count == 0 { return result }
        let rows = count / length
        withPointer { source in
            result.withFreshPointer { target in
                Parallel.forEachChunk(count: rows, minimumChunk: Swift.max(1, 32768 / Swift.max(length, 1))) { range in
                    let exps = UnsafeMutablePointer<Float>.allocate(capacity: logarithm ? length : 1)
                    defer { exps.deallocate() }
                    for r in range {
                        let x = source + r * length, y = target + r * length
                        var peak = ReductionKernel.extreme(x, count: length, greater: true)
                        if !peak.isFinite { peak = peak.isNaN ? peak : 0 }
                        for i in 0..<length { y[i] = x[i] - peak }
                        if logarithm {
                            fk_exp(y, exps, length)
                            let logTotal = Foundation.log(ReductionKernel.sum(exps, count: length))
                            for i in 0..<length { y[i] -= logTotal }
                        } else {
                            fk_exp(y, y, length)
                            let scale = 1 / ReductionKernel.sum(y, count: length)
                            for i in 0..<length { y[i] *= scale }
                        }
                    }
                }
            }
        }
        return result
    }
}
