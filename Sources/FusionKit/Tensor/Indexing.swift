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
        if step == 1 {
            return copyBlocks(alongAxis: axis, newLength: indices.count) { target, source, inner in
                target.update(from: source + range.lowerBound * inner, count: indices.count * inner)
            }
        }
        return indexSelect(indices, alongAxis: axis)
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
        return copyBlocks(alongAxis: axis, newLength: indices.count) { target, source, inner in
            for (position, index) in indices.enumerated() {
                (target + position * inner).update(from: source + index * inner, count: inner)
            }
        }
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
        let result = Tensor(uninitializedShape: indices.shape)
        let outer = indices.shape[..<axis].reduce(1, *)
        let inner = indices.shape[(axis + 1)...].reduce(1, *)
        let sourceInner = shape[(axis + 1)...].reduce(1, *)
        let inputStrides = Shape.strides(shape)
        let indexShape = indices.shape
        let source = pointer, index = indices.pointer, target = result.storage.pointer
        let count = indices.shape[axis], length = shape[axis]
        for o in 0..<outer {
            // The input offset of outer position o (its coordinates are the same in both shapes).
            var remainder = o, outerOffset = 0
            for d in stride(from: axis - 1, through: 0, by: -1) {
                outerOffset += (remainder % indexShape[d]) * inputStrides[d]
                remainder /= indexShape[d]
            }
            for j in 0..<count {
                for i in 0..<inner {
                    let flat = (o * count + j) * inner + i
                    let value = index[flat]
                    let k = Int(value)
                    precondition(Float(k) == value && k >= 0 && k < length,
                                 "gather: index \(value) is out of range for axis \(axis) of shape \(shape)")
                    var innerOffset = 0, rest = i
                    if inner == sourceInner {
                        innerOffset = i
                    } else {
                        for d in stride(from: rank - 1, through: axis + 1, by: -1) {
                            innerOffset += (rest % indexShape[d]) * inputStrides[d]
                            rest /= indexShape[d]
                        }
                    }
                    target[flat] = source[outerOffset + k * inputStrides[axis] + innerOffset]
                }
            }
        }
        return result
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
        for o in 0..<outer {
            fill(result.storage.pointer + o * newLength * inner, pointer + o * length * inner, inner)
        }
        return result
    }
}
