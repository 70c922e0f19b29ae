/// Changing the shape without changing the elements: these share storage with the original.
extension Tensor {
    /// The same elements with a new shape of equal element count; one dimension may be -1 and is
    /// then inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        precondition(inferred.count <= 1, "reshape: more than one -1 in \(newShape)")
        if let axis = inferred.first {
            let known = newShape.enumerated().reduce(1) { $1.offset == axis ? $0 : $0 * $1.element }
            precondition(known > 0 && count % known == 0,
                         "reshape: cannot reshape tensor of shape \(shape) into \(newShape)")
            resolved[axis] = count / known
        }
        precondition(resolved.allSatisfy { $0 >= 0 } && Shape.elementCount(resolved, op: "reshape") == count,
                     "reshape: cannot reshape tensor of shape \(shape) into \(newShape)")
        return viewed(as: resolved, op: "reshape")
    }

    /// Merges the dimensions `startAxis...endAxis` into one, as PyTorch's `flatten`.
    public func flattened(startAxis: Int = 0, endAxis: Int = -1) -> Tensor {
        if rank == 0 { return viewed(as: [1], op: "flatten") }
        let start = Shape.normalize(axis: startAxis, rank: rank, op: "flatten")
        let end = Shape.normalize(axis: endAxis, rank: rank, op: "flatten")
        precondition(start <= end, "flatten: startAxis \(startAxis) is after endAxis \(endAxis) for shape \(shape)")
        let merged = shape[start...end].reduce(1, *)
        return viewed(as: Array(shape[..<start]) + [merged] + Array(shape[(end + 1)...]), op: "flatten")
    }

    /// Inserts a dimension of size 1 at `axis` (which may be `rank`, or negative from the end).
    public func expandingShape(at axis: Int) -> Tensor {
        let position = Shape.normalize(axis: axis, rank: rank + 1, op: "expandingShape")
        var newShape = shape
        newShape.insert(1, at: position)
        return viewed(as: newShape, op: "expandingShape")
    }

    /// Removes dimensions of size 1: all of them, or only `axes` (each must have size 1).
    public func squeezingShape(at axes: [Int]? = nil) -> Tensor {
        guard let axes else { return viewed(as: shape.filter { $0 != 1 }, op: "squeezingShape") }
        let removed = Set(axes.map { Shape.normalize(axis: $0, rank: rank, op: "squeezingShape") })
        for axis in removed {
            precondition(shape[axis] == 1, "squeezingShape: axis \(axis) of shape \(shape) has size \(shape[axis]), not 1")
        }
        return viewed(as: shape.enumerated().filter { !removed.contains($0.offset) }.map(\.element), op: "squeezingShape")
    }

    /// A copy of this tensor repeated along broadcast dimensions to `newShape`, as PyTorch's
    /// `expand` followed by `contiguous`.
    public func broadcast(to newShape: [Int]) -> Tensor {
        precondition(Shape.broadcast(shape, newShape, op: "broadcast(to:)") == newShape,
                     "broadcast(to:): shape \(shape) does not broadcast to \(newShape)")
        if shape == newShape { return self }
        // One pass writing the result: runs of the merged broadcast walk, each a fill (stride 0)
        // or a copy (stride 1).
        let result = Tensor(uninitializedShape: newShape)
        let total = result.count
        withPointer { source in
            result.withFreshPointer { out in
                if total == count {
                    if total > 0 { out.update(from: source, count: total) }   // only unit axes were added
                } else if total > 0 {
                    BroadcastPlan(shape: newShape, shape, []).forEachRun(parallel: total >= 131072) { outOffset, offset, _, length, stride, _ in
                        let o = out + outOffset, x = source + offset
                        switch stride {
                        case 0: o.initialize(repeating: x[0], count: length)
                        case 1: o.update(from: x, count: length)
                        default: for i in 0..<length { o[i] = x[i * stride] }
                        }
                    }
                }
            }
        }
        return recordUnary("broadcast", result) { g in g.reduced(toShape: self.shape) }
    }

    /// The same storage with a new shape, recording a reshape of the gradient.
    private func viewed(as newShape: [Int], op: String) -> Tensor {
        recordUnary(op, withShape(newShape)) { g in g.withShape(self.shape) }
    }
}
