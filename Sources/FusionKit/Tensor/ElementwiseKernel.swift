import CFusionKitKernels

/// The loops behind every element-wise operation. Contiguous operands of equal shape take one
/// flat loop the compiler vectorises (for sums and products, `fk_add` and `fk_mul`, built for
/// the CPU's widest vectors); broadcast operands are walked with their dimensions merged where
/// possible, so the inner loop is as long as it can be and has unit or zero stride.
enum ElementwiseKernel {
    /// Applies `op` to every element of `x`.
    @inline(__always)
    static func map<Op: UnaryOperator>(_ x: Tensor, _ op: Op) -> Tensor {
        let result = Tensor(uninitializedShape: x.shape)
        x.withPointer { source in
            result.withFreshPointer { target in
                Parallel.forEachChunk(count: x.count) { range in
                    for i in range { target[i] = op(source[i]) }
                }
            }
        }
        return result
    }

    /// Applies `op` to the pairs of elements of `a` and `b` broadcast together.
    @inline(__always)
    static func zip<Op: BinaryOperator>(_ a: Tensor, _ b: Tensor, op name: String, _ op: Op) -> Tensor {
        if a.shape == b.shape {
            let result = Tensor(uninitializedShape: a.shape)
            // Sums and products through the C kernels compiled for the CPU's widest vectors
            // (the same bits; Swift's loop is built for SSE2).
            let kernel: ((UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? =
                Op.self == Operators.Add.self ? fk_add : Op.self == Operators.Multiply.self ? fk_mul : nil
            withPointers(a, b) { pa, pb in
                result.withFreshPointer { out in
                    Parallel.forEachChunk(count: a.count) { range in
                        if let kernel {
                            kernel(pa + range.lowerBound, pb + range.lowerBound, out + range.lowerBound, range.count)
                        } else {
                            for i in range { out[i] = op(pa[i], pb[i]) }
                        }
                    }
                }
            }
            return result
        }
        let shape = Shape.broadcast(a.shape, b.shape, op: name)
        let result = Tensor(uninitializedShape: shape)
        let count = result.count
        if count == 0 { return result }
        withPointers(a, b) { pa, pb in
            result.withFreshPointer { out in
                if b.count == 1 {
                    let value = pb[0]
                    if a.count == count {
                        Parallel.forEachChunk(count: count) { range in
                            for i in range { out[i] = op(pa[i], value) }
                        }
                        return
                    }
                } else if a.count == 1 {
                    let value = pa[0]
                    if b.count == count {
                        Parallel.forEachChunk(count: count) { range in
                            for i in range { out[i] = op(value, pb[i]) }
                        }
                        return
                    }
                }
                let plan = BroadcastPlan(shape: shape, a.shape, b.shape)
                plan.forEachRun(parallel: count >= 131072) { outOffset, offsetA, offsetB, length, strideA, strideB in
                    let o = out + outOffset, x = pa + offsetA, y = pb + offsetB
                    switch (strideA, strideB) {
                    case (1, 1): for i in 0..<length { o[i] = op(x[i], y[i]) }
                    case (1, 0): let v = y[0]; for i in 0..<length { o[i] = op(x[i], v) }
                    case (0, 1): let v = x[0]; for i in 0..<length { o[i] = op(v, y[i]) }
                    default: for i in 0..<length { o[i] = op(x[i * strideA], y[i * strideB]) }
                    }
                }
            }
        }
        return result
    }
}

/// The walk over a broadcast result: its dimensions merged wherever both operands stay
/// regular, then visited as runs along the last merged dimension.
struct BroadcastPlan {
    var shape: [Int] = []
    var stridesA: [Int] = []
    var stridesB: [Int] = []

    init(shape fullShape: [Int], _ shapeA: [Int], _ shapeB: [Int]) {
        let fullA = Shape.broadcastStrides(shapeA, to: fullShape)
        let fullB = Shape.broadcastStrides(shapeB, to: fullShape)
        for axis in 0..<fullShape.count where fullShape[axis] != 1 {
            if let last = shape.indices.last,
               stridesA[last] == fullA[axis] * fullShape[axis],
               stridesB[last] == fullB[axis] * fullShape[axis] {
                shape[last] *= fullShape[axis]
                stridesA[last] = fullA[axis]
                stridesB[last] = fullB[axis]
            } else {
                shape.append(fullShape[axis])
                stridesA.append(fullA[axis])
                stridesB.append(fullB[axis])
            }
        }
        if shape.isEmpty { shape = [1]; stridesA = [0]; stridesB = [0] }
    }

    /// Calls `body(outOffset, offsetA, offsetB, length, strideA, strideB)` for each run of the
    /// innermost merged dimension, in row-major order of the output (across cores when
    /// `parallel`: the runs write disjoint parts of the output).
    @inline(__always)
    func forEachRun(parallel: Bool = false, _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        let inner = shape.count - 1
        let length = shape[inner], strideA = stridesA[inner], strideB = stridesB[inner]
        var outerCount = 1
        for axis in 0..<inner { outerCount *= shape[axis] }
        func walk(_ runs: Range<Int>) {
            // The offsets of the first run, from its coordinates.
            var index = [Int](repeating: 0, count: Swift.max(inner, 1))
            var offsetA = 0, offsetB = 0, remainder = runs.lowerBound
            for axis in stride(from: inner - 1, through: 0, by: -1) {
                index[axis] = remainder % self.shape[axis]
                remainder /= self.shape[axis]
                offsetA += index[axis] * self.stridesA[axis]
                offsetB += index[axis] * self.stridesB[axis]
            }
            for run in runs {
                body(run * length, offsetA, offsetB, length, strideA, strideB)
                var axis = inner - 1
                while axis >= 0 {
                    index[axis] += 1
                    offsetA += self.stridesA[axis]
                    offsetB += self.stridesB[axis]
                    if index[axis] < self.shape[axis] { break }
                    offsetA -= self.stridesA[axis] * self.shape[axis]
                    offsetB -= self.stridesB[axis] * self.shape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        if parallel {
            Parallel.forEachChunk(count: outerCount, elementsEach: length, walk)
        } else {
            walk(0..<outerCount)
        }
    }

    /// Calls `body(outOffset, offsetA, offsetB)` for every element of the broadcast result.
    @inline(__always)
    func forEachElement(_ body: (Int, Int, Int) -> Void) {
        forEachRun { outOffset, offsetA, offsetB, length, strideA, strideB in
            for i in 0..<length { body(outOffset + i, offsetA + i * strideA, offsetB + i * strideB) }
        }
    }
}
