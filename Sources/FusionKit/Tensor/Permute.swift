/// Reordering dimensions. The result is a new contiguous tensor; when the reordered tensor only
/// feeds a matrix product, prefer `matmul`'s transpose flags, which copy nothing.
extension Tensor {
    /// Swaps two dimensions (by default the last two).
    public func transposed(_ axis0: Int = -2, _ axis1: Int = -1) -> Tensor {
        if rank < 2 && axis0 == -2 && axis1 == -1 { return self }
        var order = Array(0..<rank)
        order.swapAt(Shape.normalize(axis: axis0, rank: rank, op: "transposed"),
                     Shape.normalize(axis: axis1, rank: rank, op: "transposed"))
        return permuted(order)
    }

    /// The dimensions in the order `axes` (a permutation of `0..<rank`); result dimension i is
    /// input dimension `axes[i]`.
    public func permuted(_ axes: [Int]) -> Tensor {
        let order = axes.map { Shape.normalize(axis: $0, rank: rank, op: "permuted") }
        precondition(order.count == rank && Set(order).count == rank,
                     "permuted: \(axes) is not a permutation of the axes of shape \(shape)")
        if order == Array(0..<rank) { return self }
        let result = withoutGradient { permutedCopy(order) }
        var inverse = [Int](repeating: 0, count: rank)
        for (position, source) in order.enumerated() { inverse[source] = position }
        return recordUnary("permute", result) { g in g.permuted(inverse) }
    }

    private func permutedCopy(_ order: [Int]) -> Tensor {
        let newShape = order.map { shape[$0] }
        let result = Tensor(uninitializedShape: newShape)
        if count == 0 { return result }
        let inputStrides = Shape.strides(shape)
        // Merge output dimensions that stay adjacent and in order in the input.
        var dims: [Int] = [], strides: [Int] = []
        for (axis, source) in order.enumerated() where newShape[axis] != 1 {
            if let last = dims.indices.last, strides[last] == inputStrides[source] * shape[source] {
                dims[last] *= shape[source]
                strides[last] = inputStrides[source]
            } else {
                dims.append(shape[source])
                strides.append(inputStrides[source])
            }
        }
        withPointer { source in
            result.withFreshPointer { target in
                if dims.isEmpty {
                    target[0] = source[0]
                    return
                }
                if dims.count == 2 || (dims.count == 3 && strides[1] == 1) {
                    // Transposes of matrices, one or a batch of them ([B, C, P] → [B, P, C] and back in
                    // every model that reads feature maps as tokens): tiles, matrices or bands of rows
                    // shared out among cores. A run along the innermost dimension would be as short as
                    // three floats here (RGB planes read as pixels).
                    let (matrices, rows, columns) = dims.count == 2 ? (1, dims[0], dims[1]) : (dims[0], dims[1], dims[2])
                    let (matrixStride, rowStride, columnStride) =
                        dims.count == 2 ? (0, strides[0], strides[1]) : (strides[0], strides[1], strides[2])
                    let bands = matrices == 1 ? Swift.max(1, (rows + 31) / 32) : matrices
                    Parallel.forEachChunk(count: bands, elementsEach: count / bands) { range in
                        for band in range {
                            if matrices == 1 {
                                let first = band * 32, height = Swift.min(32, rows - first)
                                Tensor.transposeCopy(source + first * rowStride, target + first * columns, rows: height, columns: columns,
                                                     rowStride: rowStride, columnStride: columnStride)
                            } else {
                                Tensor.transposeCopy(source + band * matrixStride, target + band * rows * columns, rows: rows,
                                                     columns: columns, rowStride: rowStride, columnStride: columnStride)
                            }
                        }
                    }
                    return
                }
                // Runs along the innermost merged dimension, shared out among cores; each worker finds
                // its first run's source offset from the run number.
                let inner = dims.count - 1
                let length = dims[inner], step = strides[inner]
                let runs = count / length
                Parallel.forEachChunk(count: runs, elementsEach: length) { range in
                    var index = [Int](repeating: 0, count: dims.count)
                    var offset = 0, remainder = range.lowerBound
                    for axis in stride(from: inner - 1, through: 0, by: -1) {
                        index[axis] = remainder % dims[axis]
                        remainder /= dims[axis]
                        offset += index[axis] * strides[axis]
                    }
                    for run in range {
                        let out = target + run * length
                        if step == 1 {
                            out.update(from: source + offset, count: length)
                        } else {
                            for i in 0..<length { out[i] = source[offset + i * step] }
                        }
                        var axis = inner - 1
                        while axis >= 0 {
                            index[axis] += 1
                            offset += strides[axis]
                            if index[axis] < dims[axis] { break }
                            offset -= strides[axis] * dims[axis]
                            index[axis] = 0
                            axis -= 1
                        }
                    }
                }
            }
        }
        return result
    }

    /// Copies a strided 2-D view into a contiguous rows×columns block, tile by tile so that both
    /// reads and writes stay in cache.
    static func transposeCopy(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>,
                              rows: Int, columns: Int, rowStride: Int, columnStride: Int) {
        let tile = 32
        for rowStart in stride(from: 0, to: rows, by: tile) {
            let rowEnd = Swift.min(rowStart + tile, rows)
            for columnStart in stride(from: 0, to: columns, by: tile) {
                let columnEnd = Swift.min(columnStart + tile, columns)
                for r in rowStart..<rowEnd {
                    let sourceRow = source + r * rowStride
                    let targetRow = target + r * columns
                    for c in columnStart..<columnEnd { targetRow[c] = sourceRow[c * columnStride] }
                }
            }
        }
    }
}
