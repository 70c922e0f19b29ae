/// Taking parts of a tensor: ranges along an axis, whole slices by index (embedding lookup),
/// and element-wise gathering (PyTorch's `gather`).
extension Tensor {
    /// The elements whose index along `axis` lies in `range`, every `step`-th one.
    ///
    /// `x.slice(1..<3, alongAxis: 0)` keeps rows 1 and 2.
    public func slice(_ range: Range<Int>, alongAxis axis: Int, step: Int = 1) -> Tensor {
        let axis = Shape.normalize(axis: axis, rank: rank, op: "slice")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis],
                     "slice: range \(range) is out of bounds for axis \(axis) of shape \(shape)")
        precondition(step > 0, "slice: step \(step) must be positive")
        let indices = Array(stride(from: range.lowerBound, to: range.upperBound, by: step))
        if step != 1 { return indexSelect(indices, alongAxis: axis) }
        let result = copyBlocks(alongAxis: axis, newLength: indices.count) { target, source, inner in
            target.update(from: source + range.lowerBound * inner, count: indices.count * inner)
        }
        return recordUnary("slice", result) { g in
            Tensor.indexAdd(g, alongAxis: axis, indices: indices, intoShape: self.shape)
        }
    }

    /// The slices at `indices` along `axis`, in that order (repeats allowed): PyTorch's
    /// `index_select`. `embeddingTable.indexSelect(tokenIDs, alongAxis: 0)` looks up rows.
    public func indexSelect(_ indices: [Int], alongAxis axis: Int) -> Tensor {
        let axis = Shape.normalize(axis: axis, rank: rank, op: "indexSelect")
        let length = shape[axis]
        for index in indices {
            precondition(index >= 0 && index < length,
                         "indexSelect: index \(index) is out of range for axis \(axis) of shape \(shape)")
        }
        let result = copyBlocks(alongAxis: axis, newLength: indices.count) { target, source, inner in
            for (position, index) in indices.enumerated() {
                (target + position * inner).update(from: source + index * inner, count: inner)
            }
        }
        return recordUnary("indexSelect", result) { g in
            Tensor.indexAdd(g, alongAxis: axis, indices: indices, intoShape: self.shape)
        }
    }

    /// Zeros of `shape` with the slices of `source` along `axis` added at `indices` (repeated
    /// indices accumulate): the backward of `indexSelect` and `slice`.
    static func indexAdd(_ source: Tensor, alongAxis axis: Int, indices: [Int], intoShape shape: [Int]) -> Tensor {
        var result = Tensor.zeros(shape)
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let length = shape[axis], count = indices.count
        source.withPointer { from in
            result.withUnsafeMutablePointer { target in
                for o in 0..<outer {
                    for (position, index) in indices.enumerated() {
                        let row = target + (o * length + index) * inner
                        let block = from + (o * count + position) * inner
                        for i in 0..<inner { row[i] += block[i] }
                    }
                }
            }
        }
        return result
    }

    /// Element-wise gathering along `axis`, as PyTorch's `gather`: the result has the shape of
    /// `indices`, and `result[i][j][k] = self[indices[i][j][k]][j][k]` for axis 0 (likewise for
    /// other axes). `indices` holds whole numbers; its other dimensions must not exceed `self`'s.
    public func gather(alongAxis axis: Int, indices: Tensor) -> Tensor {
        let axis = Shape.normalize(axis: axis, rank: rank, op: "gather")
        precondition(indices.rank == rank, "gather: indices of shape \(indices.shape) for input of shape \(shape)")
        for d in 0..<rank where d != axis {
            precondition(indices.shape[d] <= shape[d],
                         "gather: indices of shape \(indices.shape) exceed input of shape \(shape) on axis \(d)")
        }
        let offsets = gatherOffsets(alongAxis: axis, indices: indices)
        let result = Tensor(uninitializedShape: indices.shape)
        withPointer { source in
            result.withFreshPointer { target in
                for (position, offset) in offsets.enumerated() { target[position] = source[offset] }
            }
        }
        return recordUnary("gather", result) { g in
            // Scatter-add: each gathered element sends its gradient back to where it came from.
            var gradient = Tensor.zeros(self.shape)
            g.withPointer { from in
                gradient.withUnsafeMutablePointer { into in
                    for (position, offset) in offsets.enumerated() { into[offset] += from[position] }
                }
            }
            return gradient
        }
    }

    /// For each element of `indices`, the flat offset in `self` it selects.
    private func gatherOffsets(alongAxis axis: Int, indices: Tensor) -> [Int] {
        let inputStrides = Shape.strides(shape)
        let indexShape = indices.shape
        let length = shape[axis]
        var offsets = [Int](repeating: 0, count: indices.count)
        var coordinate = [Int](repeating: 0, count: rank)
        indices.withPointer { values in
            for position in 0..<indices.count {
                let value = values[position]
                let k = Int(exactly: value) ?? -1
                precondition(k >= 0 && k < length,
                             "gather: index \(value) is out of range for axis \(axis) of shape \(shape)")
                var offset = 0
                for d in 0..<rank { offset += (d == axis ? k : coordinate[d]) * inputStrides[d] }
                offsets[position] = offset
                var d = rank - 1
                while d >= 0 {
                    coordinate[d] += 1
                    if coordinate[d] < indexShape[d] { break }
                    coordinate[d] = 0
                    d -= 1
                }
            }
        }
        return offsets
    }

    /// Copies the tensor viewed as [outer, length, inner] into a new [outer, newLength, inner]
    /// tensor; `fill(target, source, inner)` writes one outer block.
    private func copyBlocks(alongAxis axis: Int, newLength: Int,
                            _ fill: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int) -> Void) -> Tensor {
        var newShape = shape
        newShape[axis] = newLength
        let result = Tensor(uninitializedShape: newShape)
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        let length = shape[axis]
        withPointer { source in
            result.withFreshPointer { target in
                for o in 0..<outer { fill(target + o * newLength * inner, source + o * length * inner, inner) }
            }
        }
        return result
    }
}
