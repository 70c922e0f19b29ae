/// Reductions along any set of axes. With `keepingDimensions` the reduced axes stay as size 1,
/// so the result broadcasts against the input.
///
/// Each reduction comes in the same three overloads (axes as an array, axes as arguments, all
/// axes), a deliberate pattern: one entry point, `reduce`, does the work for all of them.
extension Tensor {
    /// The sum over `axes`.
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        reduce(axes, keepingDimensions, .sum, op: "sum")
    }

    /// The sum over `axes`: `x.sum(alongAxes: 1, keepingDimensions: true)`.
    public func sum(alongAxes axes: Int..., keepingDimensions: Bool = false) -> Tensor {
        sum(alongAxes: axes, keepingDimensions: keepingDimensions)
    }

    /// The sum of all elements, as a rank-0 tensor.
    public func sum() -> Tensor { sum(alongAxes: Array(0..<rank)) }

    /// The mean over `axes`.
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let n = reducedCount(axes, op: "mean")
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions) / Float(n)
    }

    /// The mean over `axes`.
    public func mean(alongAxes axes: Int..., keepingDimensions: Bool = false) -> Tensor {
        mean(alongAxes: axes, keepingDimensions: keepingDimensions)
    }

    /// The mean of all elements, as a rank-0 tensor.
    public func mean() -> Tensor { mean(alongAxes: Array(0..<rank)) }

    /// The largest element over `axes` (NaN if any is NaN).
    public func max(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        reduce(axes, keepingDimensions, .max, op: "max")
    }

    /// The largest element over `axes`.
    public func max(alongAxes axes: Int..., keepingDimensions: Bool = false) -> Tensor {
        max(alongAxes: axes, keepingDimensions: keepingDimensions)
    }

    /// The largest element, as a rank-0 tensor.
    public func max() -> Tensor { max(alongAxes: Array(0..<rank)) }

    /// The smallest element over `axes` (NaN if any is NaN).
    public func min(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        reduce(axes, keepingDimensions, .min, op: "min")
    }

    /// The smallest element over `axes`.
    public func min(alongAxes axes: Int..., keepingDimensions: Bool = false) -> Tensor {
        min(alongAxes: axes, keepingDimensions: keepingDimensions)
    }

    /// The smallest element, as a rank-0 tensor.
    public func min() -> Tensor { min(alongAxes: Array(0..<rank)) }

    /// The variance over `axes`, dividing by (n - correction): 1 gives the unbiased estimate
    /// (PyTorch's default), 0 the population variance.
    public func variance(alongAxes axes: [Int], correction: Int = 1, keepingDimensions: Bool = false) -> Tensor {
        let n = reducedCount(axes, op: "variance")
        let centered = self - mean(alongAxes: axes, keepingDimensions: true)
        return centered.square().sum(alongAxes: axes, keepingDimensions: keepingDimensions) / Float(Swift.max(n - correction, 0))
    }

    /// The variance over `axes` (see the array form).
    public func variance(alongAxes axes: Int..., correction: Int = 1, keepingDimensions: Bool = false) -> Tensor {
        variance(alongAxes: axes, correction: correction, keepingDimensions: keepingDimensions)
    }

    /// The index of the largest element along `axis` (the first one on ties), as whole numbers.
    public func argmax(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        argExtreme(axis, keepingDimensions, greater: true, op: "argmax")
    }

    /// The index of the smallest element along `axis` (the first one on ties), as whole numbers.
    public func argmin(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        argExtreme(axis, keepingDimensions, greater: false, op: "argmin")
    }

    /// log(sum(exp(x))) over `axes`, computed without overflow. Over the last axis alone it is one
    /// graph node (`Tensor.logSumExpOfRows`): one pass per row forward, one backward.
    public func logSumExp(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        if normalizedAxes(axes, op: "logSumExp") == [rank - 1] {
            let rows = logSumExpOfRows()
            return keepingDimensions ? rows : rows.squeezingShape(at: [rank - 1])
        }
        // The shift is a constant for differentiation: it cancels out of the result.
        let peak = ElementwiseKernel.map(withoutGradient { max(alongAxes: axes, keepingDimensions: true) },
                                         Operators.FiniteOrZero())
        let result = (self - peak).exp().sum(alongAxes: axes, keepingDimensions: true).log() + peak
        return keepingDimensions ? result : result.squeezingShape(at: normalizedAxes(axes, op: "logSumExp"))
    }

    private func reduce(_ axes: [Int], _ keep: Bool, _ kind: ReductionKernel.Kind, op: String) -> Tensor {
        let normalized = normalizedAxes(axes, op: op)
        let kept = ReductionKernel.reduce(self, axes: normalized, kind: kind, op: op)
        let result = keep ? kept : kept.withShape(shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element))
        guard Autograd.shouldRecord(self) else { return result }
        return result.recorded(op, inputs: [self]) { g in
            // Sum: every input element receives the gradient of its output. Max and min: the
            // gradient goes to the elements equal to the extreme, shared evenly among ties.
            let spread = g.withShape(kept.shape)
            if kind == .sum { return [spread.broadcast(to: self.shape)] }
            if let routed = self.routedToExtremes(spread, kept: kept, axes: normalized) { return [routed] }
            let winners = self .== kept
            return [spread * winners / winners.sum(alongAxes: normalized, keepingDimensions: true)]
        }
    }

    /// Max and min backward in one pass when the reduced axes are adjacent ([outer, length,
    /// inner]): each output's gradient goes to the input elements equal to the extreme, shared
    /// evenly among ties, without the mask, broadcast and tie-count tensors of the general path.
    private func routedToExtremes(_ gradient: Tensor, kept: Tensor, axes: [Int]) -> Tensor? {
        let sorted = axes.sorted()
        guard let first = sorted.first, sorted.last! - first == sorted.count - 1 else { return nil }
        let outer = shape[..<first].reduce(1, *), length = sorted.reduce(1) { $0 * shape[$1] }
        let inner = shape[(sorted.last! + 1)...].reduce(1, *)
        let result = Tensor(uninitializedShape: shape)
        withPointers(self, kept, gradient) { source, extremes, upstream in
            result.withFreshPointer { target in
                Parallel.forEachChunk(count: outer, elementsEach: length * inner) { range in
                    for o in range {
                        for i in 0..<inner {
                            let base = o * length * inner + i, extreme = extremes[o * inner + i]
                            var ties = 0
                            for j in 0..<length where source[base + j * inner] == extreme { ties += 1 }
                            let share = ties > 0 ? upstream[o * inner + i] / Float(ties) : 0
                            for j in 0..<length {
                                target[base + j * inner] = source[base + j * inner] == extreme ? share : 0
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    private func normalizedAxes(_ axes: [Int], op: String) -> [Int] {
        let normalized = axes.map { Shape.normalize(axis: $0, rank: rank, op: op) }
        precondition(Set(normalized).count == normalized.count, "\(op): repeated axis in \(axes) for shape \(shape)")
        return normalized
    }

    private func reducedCount(_ axes: [Int], op: String) -> Int {
        normalizedAxes(axes, op: op).reduce(1) { $0 * shape[$1] }
    }

    private func argExtreme(_ axis: Int, _ keep: Bool, greater: Bool, op: String) -> Tensor {
        let axis = Shape.normalize(axis: axis, rank: rank, op: op)
        let length = shape[axis]
        precondition(length > 0, "\(op): axis \(axis) of shape \(shape) is empty")
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        var keptShape = shape
        keptShape[axis] = 1
        let result = Tensor(uninitializedShape: keptShape)
        withPointer { source in
            result.withFreshPointer { target in
                for o in 0..<outer {
                    for i in 0..<inner {
                        let base = source + o * length * inner + i
                        var best = base[0], bestIndex = 0
                        if best == best {
                            for j in 1..<Swift.max(length, 1) {
                                let v = base[j * inner]
                                if v != v { bestIndex = j; break }
                                if greater ? v > best : v < best { best = v; bestIndex = j }
                            }
                        }
                        target[o * inner + i] = Float(bestIndex)
                    }
                }
            }
        }
        return keep ? result : result.squeezingShape(at: [axis])
    }
}
