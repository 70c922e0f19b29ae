import COpenBLAS

/// Matrix products on OpenBLAS's `cblas_sgemm`.
extension Tensor {
    /// The matrix product of `self` and `other`, optionally reading either operand transposed
    /// (no copy is made: the flag goes to sgemm).
    ///
    /// Shapes follow `torch.matmul`: the last two dimensions are the matrices, `[…, m, k]` times
    /// `[…, k, n]` gives `[…, m, n]`, and leading (batch) dimensions broadcast. A rank-1 operand
    /// is a row (left) or column (right) vector whose unit dimension is dropped from the result.
    /// With `transposeA`, `self` holds `[…, k, m]`; with `transposeB`, `other` holds `[…, n, k]`.
    ///
    /// ```swift
    /// let y = x.matmul(weight, transposeB: true)   // x [batch, in], weight [out, in] → [batch, out]
    /// ```
    public func matmul(_ other: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        matmul(other, transposeA: transposeA, transposeB: transposeB, alpha: 1)
    }

    /// The product scaled by `alpha` (folded into sgemm, not a separate pass), without graph
    /// recording: for backward functions and fused operations.
    func matmul(_ other: Tensor, transposeA: Bool = false, transposeB: Bool = false, alpha: Float) -> Tensor {
        if alpha == 1 { return recordedMatmul(other, transposeA: transposeA, transposeB: transposeB) }
        precondition(rank >= 2 && other.rank >= 2 && !Autograd.shouldRecord(self, other),
                     "matmul(alpha:): matrices only, outside the graph; got \(shape) and \(other.shape)")
        return matrixProduct(other, transposeA: transposeA, transposeB: transposeB, alpha: alpha)
    }

    private func recordedMatmul(_ other: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor {
        precondition(rank >= 1 && other.rank >= 1,
                     "matmul: operands must have rank ≥ 1, got \(shape) and \(other.shape)")
        if rank == 1 || other.rank == 1 {
            // Vectors become 1×k rows or k×1 columns; their unit dimension leaves the result.
            let a = rank == 1 ? reshaped(transposeA ? [shape[0], 1] : [1, shape[0]]) : self
            let b = other.rank == 1 ? other.reshaped(transposeB ? [1, other.shape[0]] : [other.shape[0], 1]) : other
            let product = a.matmul(b, transposeA: transposeA, transposeB: transposeB)
            var resultShape = product.shape
            if rank == 1 { resultShape.remove(at: resultShape.count - 2) }
            if other.rank == 1 { resultShape.removeLast() }
            return product.reshaped(resultShape)
        }
        let result = matrixProduct(other, transposeA: transposeA, transposeB: transposeB)
        guard Autograd.shouldRecord(self, other) else { return result }
        let a = self, b = other
        return result.recorded("matmul", inputs: [a, b]) { g in
            [a.requiresGradient ? Tensor.matmulGradientOfA(g, a, b, transposeA, transposeB) : nil,
             b.requiresGradient ? Tensor.matmulGradientOfB(g, a, b, transposeA, transposeB) : nil]
        }
    }

    /// dL/dA for C = op(A)·op(B): g·op(B)ᵀ, or its transpose when A is read transposed. The
    /// transposes go to sgemm as flags; batch dimensions A was broadcast over are summed away.
    static func matmulGradientOfA(_ g: Tensor, _ a: Tensor, _ b: Tensor, _ transposeA: Bool, _ transposeB: Bool) -> Tensor {
        let gradient = transposeA ? b.matmul(g, transposeA: transposeB, transposeB: true)
                                  : g.matmul(b, transposeB: !transposeB)
        return gradient.reduced(toShape: a.shape)
    }

    /// dL/dB for C = op(A)·op(B): op(A)ᵀ·g, or its transpose when B is read transposed. When B
    /// was shared by every batch of A, the batches are folded into one GEMM.
    static func matmulGradientOfB(_ g: Tensor, _ a: Tensor, _ b: Tensor, _ transposeA: Bool, _ transposeB: Bool) -> Tensor {
        if b.rank == 2 && a.rank > 2 && !transposeA {
            let rows = a.withShape([a.count / a.shape[a.rank - 1], a.shape[a.rank - 1]])
            let gradients = g.withShape([g.count / g.shape[g.rank - 1], g.shape[g.rank - 1]])
            return transposeB ? gradients.matmul(rows, transposeA: true) : rows.matmul(gradients, transposeA: true)
        }
        let gradient = transposeB ? g.matmul(a, transposeA: true, transposeB: transposeA)
                                  : a.matmul(g, transposeA: !transposeA)
        return gradient.reduced(toShape: b.shape)
    }

    /// The product of two operands of rank ≥ 2, without graph recording.
    private func matrixProduct(_ other: Tensor, transposeA: Bool, transposeB: Bool, alpha: Float = 1) -> Tensor {
        let a = self, b = other
        let m = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2]
        let k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let kB = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2]
        let n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
        precondition(k == kB, "matmul: inner dimensions differ: \(shape)\(transposeA ? "ᵀ" : "") × \(other.shape)\(transposeB ? "ᵀ" : "")")
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = batchA == batchB ? batchA : Shape.broadcast(batchA, batchB, op: "matmul (batch dimensions of \(shape) and \(other.shape))")
        let result = Tensor(uninitializedShape: batch + [m, n])
        let batchCount = batch.reduce(1, *)
        if result.count > 0 {
            if k == 0 || alpha == 0 {
                result.withFreshPointer { $0.initialize(repeating: 0, count: result.count) }
            } else {
                // B shared by every batch (and A not transposed): A's batch folds into its rows,
                // one large product. Otherwise one product per batch element, broadcast operands
                // read in place.
                let folded = batchB.reduce(1, *) == 1 && !transposeA
                var offsets: [(Int, Int)] = [(0, 0)]
                if !folded {
                    offsets.removeAll(keepingCapacity: true)
                    offsets.reserveCapacity(batchCount)
                    BroadcastPlan(shape: batch, batchA, batchB).forEachElement { _, offsetA, offsetB in offsets.append((offsetA, offsetB)) }
                }
                let rows = folded ? batchCount * m : m
                let path = Tensor.forcedMatmulPath ?? Tensor.matmulPath(items: offsets.count, productSize: rows * n * k)
                let loops = path == .reference || path == .loopsPerCore
                let perCore = path == .loopsPerCore || path == .gemmPerCore
                withPointers(a, b) { pa, pb in
                    result.withFreshPointer { out in
                        let multiply = { (items: Range<Int>) in
                            for item in items {
                                let (x, y, z) = (pa + offsets[item].0 * m * k, pb + offsets[item].1 * k * n, out + item * rows * n)
                                if loops {
                                    Tensor.loopProduct(x, y, z, m: rows, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: alpha)
                                } else {
                                    Tensor.gemm(x, y, z, m: rows, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: alpha)
                                }
                            }
                        }
                        if perCore {
                            BLAS.parallelChunks(count: offsets.count, multiply)
                        } else {
                            multiply(0..<offsets.count)
                        }
                    }
                }
                // Logged from what ran, not from the choice, so that a test sees a miswired path.
                KernelPathLog.record("matmul", (loops ? (perCore ? MatmulPath.loopsPerCore : .reference)
                                                      : (perCore ? .gemmPerCore : .gemm)).rawValue)
            }
        }
        return result
    }

    /// Whether `count` products of m·n·k = `productSize` each run one per core, single-threaded
    /// (`BLAS.parallelChunks`), rather than one after another on OpenBLAS's threads: small
    /// products in batches of four or more.
    static func sharesBatchAmongCores(count: Int, productSize: Int) -> Bool {
        count >= 4 && productSize <= 1 << 21
    }

    /// The largest m·n·k computed by plain loops instead of sgemm: up to here a loop beats
    /// sgemm's own entry (argument checks, packing), as Docs/Benchmarks.md records.
    static let tinyProductSize = 256

    /// The kernel for `items` products of m·n·k = `productSize` each: pure, so tests can check
    /// the choice.
    static func matmulPath(items: Int, productSize: Int) -> MatmulPath {
        let perCore = sharesBatchAmongCores(count: items, productSize: productSize)
        if productSize <= tinyProductSize { return perCore ? .loopsPerCore : .reference }
        return perCore ? .gemmPerCore : .gemm
    }

    /// A kernel to run instead of the chosen one, for tests comparing paths
    /// (`Tensor.$forcedMatmulPath.withValue(.reference) { ... }`).
    @TaskLocal public static var forcedMatmulPath: MatmulPath?

    /// C = alpha·op(A)·op(B) by plain loops: the reference path, and the fast one for products
    /// too small to be worth an sgemm call. Same operand layout as `gemm`; each element is
    /// summed over k in order.
    static func loopProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                            m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Float) {
        BLAS.recordProducts(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
        loopGEMM(a, b, c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: 0,
                 rowStrides: (transposeA ? m : k, transposeB ? k : n, n), epilogue: nil)
    }

    /// C = op(A) · op(B) for row-major A, B, C with C of shape [m, n]; A is [m, k] ([k, m] when
    /// transposed) and B is [k, n] ([n, k] when transposed).
    @inline(__always)
    static func gemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                     m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool,
                     alpha: Float = 1, beta: Float = 0, epilogue: ProductEpilogue? = nil) {
        gemm(a, b, c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta,
             rowStrides: (transposeA ? m : k, transposeB ? k : n, n), epilogue: epilogue)
    }

    /// `gemm` on matrices whose rows lie `rowStrides` floats apart (A's, B's and C's stored
    /// rows), so that a block of columns — one head's in a [length, heads·depth] row layout —
    /// is multiplied in place without being copied out first.
    @inline(__always)
    static func gemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                     m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool,
                     alpha: Float = 1, beta: Float = 0, rowStrides: (a: Int, b: Int, c: Int),
                     epilogue: ProductEpilogue? = nil) {
        BLAS.ensureConfigured()
        BLAS.recordProducts(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
        let kernel = currentGEMMKernel(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
        if kernel == .loops {
            loopGEMM(a, b, c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta,
                     rowStrides: rowStrides, epilogue: epilogue)
            KernelPathLog.record("gemm", kernel.rawValue)
            return
        }
        if kernel != .openBLAS {
            let ran = ownGEMM(kernel, a, b, c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: alpha,
                              beta: beta, rowStrides: rowStrides, epilogue: epilogue)
            KernelPathLog.record("gemm", ran.kernel.rawValue)
            for ending in ran.endings.names { KernelPathLog.record("gemm last strip", ending) }
            return
        }
        defer { epilogue?.apply(to: c, rowStride: rowStrides.c, m: m, n: n) }
        KernelPathLog.record("gemm", kernel.rawValue)
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(Swift.max(1, rowStrides.a)),
                    b, Int32(Swift.max(1, rowStrides.b)),
                    beta, c, Int32(Swift.max(1, rowStrides.c)))
    }
}
