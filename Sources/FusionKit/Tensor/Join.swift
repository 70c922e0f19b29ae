/// Joining tensors together and splitting them apart along an axis.
extension Tensor {
    /// The tensors laid end to end along `axis`; all other dimensions must agree.
    public static func concatenate(_ tensors: [Tensor], alongAxis axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate: no tensors given")
        let first = tensors[0]
        let axis = Shape.normalize(axis: axis, rank: first.rank, op: "concatenate")
        var total = 0
        for tensor in tensors {
            precondition(tensor.rank == first.rank &&
                         tensor.shape.enumerated().allSatisfy { $0.offset == axis || $0.element == first.shape[$0.offset] },
                         "concatenate: shapes \(tensors.map(\.shape)) differ outside axis \(axis)")
            total += tensor.shape[axis]
        }
        var newShape = first.shape
        newShape[axis] = total
        let result = Tensor(uninitializedShape: newShape)
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *)
        let rowLength = total * inner
        var column = 0
        for tensor in tensors {
            let block = tensor.shape[axis] * inner
            tensor.withPointer { source in
                result.withFreshPointer { target in
                    for o in 0..<outer {
                        (target + o * rowLength + column).update(from: source + o * block, count: block)
                    }
                }
            }
            column += block
        }
        guard Autograd.shouldRecord(tensors) else { return result }
        let sizes = tensors.map { $0.shape[axis] }
        return result.recorded("concatenate", inputs: tensors) { g in g.split(sizes: sizes, alongAxis: axis) }
    }

    /// The tensors (all of one shape) joined along a new dimension inserted at `axis`.
    public static func stack(_ tensors: [Tensor], alongAxis axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack: no tensors given")
        let shape = tensors[0].shape
        precondition(tensors.allSatisfy { $0.shape == shape }, "stack: shapes differ: \(tensors.map(\.shape))")
        let position = Shape.normalize(axis: axis, rank: shape.count + 1, op: "stack")
        return concatenate(tensors.map { $0.expandingShape(at: position) }, alongAxis: position)
    }

    /// Pieces of the given sizes along `axis`; the sizes must add up to the axis length.
    public func split(sizes: [Int], alongAxis axis: Int = 0) -> [Tensor] {
        let axis = Shape.normalize(axis: axis, rank: rank, op: "split")
        precondition(sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[axis],
                     "split: sizes \(sizes) do not add up to \(shape[axis]), axis \(axis) of shape \(shape)")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(start..<(start + size), alongAxis: axis)
        }
    }

    /// `count` pieces of equal length along `axis`, which must divide evenly.
    public func split(count: Int, alongAxis axis: Int = 0) -> [Tensor] {
        let axis = Shape.normalize(axis: axis, rank: rank, op: "split")
        precondition(count > 0 && shape[axis] % count == 0,
                     "split: axis \(axis) of shape \(shape) does not divide into \(count) equal pieces")
        return split(sizes: Array(repeating: shape[axis] / count, count: count), alongAxis: axis)
    }
}
