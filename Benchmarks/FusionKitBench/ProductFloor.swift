import FusionKit

/// A row's own matrix products timed alone: the shapes `BLAS.recordingProducts` listed for one
/// call of the row's body, run one after another through `BLAS.gemm` (the kernels the layers
/// use) on buffers allocated once. How close the row's time comes to this floor says how much of
/// it is products and how much everything else (element-wise passes, unfolding, transforms,
/// dispatch). It is an estimate, not a bound: products that share a shape share operand buffers
/// here (a weight may still be in cache), but products the row runs side by side, one per core,
/// run here one at a time, each split among the cores, and Winograd's per-position products run
/// through `BLAS.gemm` rather than their own kernel; so rows of many small products can come out
/// faster than their floor ("products / row" above 1).
final class ProductFloor {
    let shapes: [ProductShape]
    /// Floating-point operations of all the products (2·m·n·k each).
    let operations: Double
    /// Per distinct shape: A, B and C, allocated once.
    private let operands: [(a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>)]
    /// Per product, in order: its index into `operands`.
    private let operandIndex: [Int]

    init(recording body: () -> Void) {
        body()  // warm up: caches, lazily built weights, the allocator
        shapes = BLAS.recordingProducts(body)
        operations = Double(shapes.reduce(0) { $0 + $1.operations })
        var index: [ProductShape: Int] = [:]
        var operands: [(a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>)] = []
        func filled(_ count: Int, _ value: Float) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, count))
            pointer.initialize(repeating: value, count: Swift.max(1, count))
            return pointer
        }
        operandIndex = shapes.map { shape in
            if let known = index[shape] { return known }
            operands.append((filled(shape.m * shape.k, 0.5), filled(shape.k * shape.n, 0.01), filled(shape.m * shape.n, 0)))
            index[shape] = operands.count - 1
            return operands.count - 1
        }
        self.operands = operands
    }

    deinit {
        for operand in operands {
            operand.a.deallocate()
            operand.b.deallocate()
            operand.c.deallocate()
        }
    }

    func run() {
        for (shape, index) in zip(shapes, operandIndex) { multiply(shape, index) }
    }

    /// One product of `shape` on the operands at `index`.
    private func multiply(_ shape: ProductShape, _ index: Int) {
        let operand = operands[index]
        BLAS.gemm(transposeA: shape.transposeA, transposeB: shape.transposeB, m: shape.m, n: shape.n, k: shape.k,
                  a: operand.a, lda: shape.transposeA ? shape.m : shape.k, b: operand.b,
                  ldb: shape.transposeB ? shape.k : shape.n, c: operand.c, ldc: shape.n)
    }

    /// One line per distinct shape, costliest first: how often the call ran it, the time of one
    /// alone and of all of them together. For profiling (`FUSIONKIT_BENCH_PRODUCTS=1` prints it
    /// for every row with a floor, on standard error).
    func table() -> String {
        var counts: [Int: Int] = [:]
        for index in operandIndex { counts[index, default: 0] += 1 }
        var rows: [(shape: ProductShape, count: Int, seconds: Double)] = []
        for (index, count) in counts {
            let shape = shapes[operandIndex.firstIndex(of: index)!]
            let seconds = Timing.secondsPerCall(samples: 3, minimumSampleSeconds: 0.002) { multiply(shape, index) }
            rows.append((shape, count, seconds))
        }
        rows.sort { Double($0.count) * $0.seconds > Double($1.count) * $1.seconds }
        var lines: [String] = []
        for row in rows {
            let shape = row.shape, together = row.seconds * Double(row.count)
            let marks = (shape.transposeA ? "ᵀ" : " ") + (shape.transposeB ? "ᵀ" : " ")
            let rate = Double(shape.operations) / row.seconds / 1e9
            lines.append(String(format: "  %4d × %5d×%5d×%5d %@  %@ each, %@ together, %.1f GFLOP/s", row.count, shape.m, shape.n,
                                shape.k, marks, Report.format(row.seconds), Report.format(together), rate))
        }
        return lines.joined(separator: "\n")
    }
}

extension ProductFloor {
    /// `body` timed in alternation with its own products alone (see `ProductFloor`): seconds per
    /// call, the products' seconds, and their operations.
    static func time(_ body: () -> Void) -> (seconds: Double, floor: Double, operations: Double) {
        let floor = ProductFloor(recording: body)
        let (seconds, products) = Timing.sideBySide(body, floor.run)
        return (seconds, products, floor.operations)
    }
}
