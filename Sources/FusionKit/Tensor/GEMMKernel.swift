import CFusionKitKernels
import COpenBLAS

/// The code that multiplies the matrices of every `Tensor.gemm` (and so of `matmul`, linear
/// layers, convolutions and attention). All compute C = alpha·op(A)·op(B) + beta·C; tests run
/// each against `Tensor.loopProduct`, the plain loops of `MatmulPath.reference`.
///
/// The three `avx512` kernels are FusionKit's own (CFusionKitKernels/MatrixProduct.c), used
/// where the CPU has AVX-512 and OpenBLAS runs a narrower kernel: a build that does not know the
/// CPU, or `OPENBLAS_CORETYPE` set to an older kernel, as on the bench host (where they are
/// faster than OpenBLAS's kernels: Docs/Benchmarks.md, "Own AVX-512 matrix products"). They run
/// on the calling thread or, for large products outside a per-core split, on
/// `Parallel.threadCount` cores (columns or rows shared out, on `WorkerPool`).
public enum GEMMKernel: String, CaseIterable, Sendable {
    /// Plain loops over the stored matrices, each entry summed over k in order (then alpha, beta
    /// and the epilogue): the reference the other kernels are tested against. Never chosen; runs
    /// on any CPU when forced.
    case loops
    /// OpenBLAS's `cblas_sgemm`, on OpenBLAS's threads.
    case openBLAS
    /// B packed into strips (A too when transposed), a 12 × 32 block of C in registers: any operands.
    case avx512Packed
    /// A·Bᵀ as dot products of contiguous rows, 4 × 6 at a time, nothing packed: a linear layer
    /// x·Wᵀ on few rows, a narrow or a deep product, where packing Bᵀ costs more than it gains.
    case avx512Dot
    /// As `avx512Packed`, but B (not transposed) read where it lies: few rows of A, or a B small
    /// enough to stay in the cache while the strips of A pass.
    case avx512InPlace
    /// C of one column: a matrix times a vector (a linear layer with one output), nothing
    /// packed; the packed kernel would pad the column to a strip of 32.
    case avx512Vector

    /// The C kernel's variant number.
    var variant: Int32 {
        switch self {
        case .loops, .openBLAS, .avx512Packed: Int32(FK_SGEMM_PACKED)
        case .avx512Dot: Int32(FK_SGEMM_DOT)
        case .avx512InPlace: Int32(FK_SGEMM_IN_PLACE)
        case .avx512Vector: Int32(FK_SGEMM_VECTOR)
        }
    }

    /// Whether this kernel can multiply operands with these transposes into `n` columns (a
    /// forced kernel that cannot runs `avx512Packed`).
    func multiplies(n: Int, transposeA: Bool, transposeB: Bool) -> Bool {
        switch self {
        case .loops, .openBLAS, .avx512Packed: true
        case .avx512Dot: !transposeA && transposeB
        case .avx512InPlace: !transposeB
        case .avx512Vector: n == 1
        }
    }
}

extension Tensor {
    /// Whether `gemm` runs FusionKit's own kernels on this host: pure, for tests of the choice.
    public static func usesOwnGEMM(avx512Available: Bool, openBLASKernel: String) -> Bool {
        avx512Available && BLAS.generation(of: openBLASKernel) < BLAS.generation(of: "SkylakeX")
    }

    /// The kernel `gemm` runs for a product of this geometry when the host uses its own kernels
    /// (otherwise `.openBLAS`): pure, for tests of the choice.
    public static func gemmKernel(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool) -> GEMMKernel {
        GEMMKernel(variant: fk_sgemm_choice(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k))
    }

    /// A kernel to run instead of the chosen one, for tests and benchmarks comparing kernels
    /// (`Tensor.$forcedGEMMKernel.withValue(.openBLAS) { ... }`). An `avx512` kernel forced on a
    /// CPU without AVX-512 runs `.openBLAS`; one forced on operands it cannot multiply runs
    /// `.avx512Packed`; `.loops` runs anywhere.
    @TaskLocal public static var forcedGEMMKernel: GEMMKernel?

    /// The kernel `gemm` asks for with these operands now (the C code may still run
    /// `avx512Packed` for a forced kernel that cannot multiply them).
    static func currentGEMMKernel(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool) -> GEMMKernel {
        if forcedGEMMKernel == .loops { return .loops }
        guard fk_sgemm_available() != 0 else { return .openBLAS }
        if let forced = forcedGEMMKernel { return forced }
        if BLAS.openBLASRunsAVX512 { return .openBLAS }
        return gemmKernel(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
    }

    /// `gemm` by one of the `avx512` kernels: on the calling thread when the product is small or
    /// the caller shares work among cores itself (OpenBLAS limited to one thread, as inside
    /// `BLAS.parallelChunks`), else split into one block of columns (or rows, for tall products)
    /// per core, each block by the same kernel. Returns the kernel the C code reports it ran.
    static func ownGEMM(_ kernel: GEMMKernel, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                        _ c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool,
                        alpha: Float, beta: Float, rowStrides: (a: Int, b: Int, c: Int),
                        epilogue: ProductEpilogue? = nil) -> (kernel: GEMMKernel, endings: StripEndings) {
        let (lda, ldb, ldc) = (Swift.max(1, rowStrides.a), Swift.max(1, rowStrides.b), Swift.max(1, rowStrides.c))
        let (variant, ta, tb) = (kernel.variant, Int32(transposeA ? 1 : 0), Int32(transposeB ? 1 : 0))
        let cores = Swift.min(Parallel.threadCount, WorkerPool.cores)
        // The block of C starting at (row, column), with its part of the epilogue.
        func product(_ m: Int, _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                     row: Int, column: Int) -> Int32 {
            guard let epilogue else { return fk_sgemm(variant, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) }
            var block = epilogue.offset(row: row, column: column).cValue
            return fk_sgemm_epilogue(variant, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, &block)
        }
        guard cores > 1, m * n * k >= Tuning.ownGEMMSharedProducts, openblas_get_num_threads() > 1 else {
            let ran = product(m, n, a, b, c, row: 0, column: 0)
            return (GEMMKernel(variant: ran), StripEndings(ran))
        }
        // Blocks aligned to the packed kernel's register block (32 columns, 12 rows).
        let byColumns = n >= m, extent = byColumns ? n : m, unit = byColumns ? 32 : 12
        let units = (extent + unit - 1) / unit, chunks = Swift.min(cores, units)
        // The kernel each block ran is the same; the endings are those of any block (the last
        // block of columns holds the remainder). One result per block, on the stack.
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: chunks) { ran in
            ran.initialize(repeating: 0)
            WorkerPool.run(count: chunks) { chunk in
                let first = Swift.min(extent, units * chunk / chunks * unit)
                let last = Swift.min(extent, units * (chunk + 1) / chunks * unit)
                guard first < last else { return }
                ran[chunk] = byColumns
                    ? product(m, last - first, a, b + (transposeB ? first * ldb : first), c + first, row: 0, column: first)
                    : product(last - first, n, a + (transposeA ? first : first * lda), b, c + first * ldc, row: first, column: 0)
            }
            return (GEMMKernel(variant: ran[0]), ran.reduce(StripEndings()) { $0.union(StripEndings($1)) })
        }
    }
}

/// How the blocked kernels (`avx512Packed`, `avx512InPlace`) ended a row of 32-column strips
/// whose last strip would be mostly padding (A not transposed): 9–16 columns in a half strip;
/// from a depth of 64, 1–8 by dot products over the block of A in the cache and 17–24 by both;
/// below it, 1–8 in a half strip (FK_SGEMM_RAN_… in FusionKitKernels.h).
/// Logged under "gemm last strip"; `.loops` is their reference, as for every kernel.
struct StripEndings: OptionSet {
    let rawValue: Int32
    static let halfStrip = StripEndings(rawValue: Int32(FK_SGEMM_RAN_HALF_STRIP))
    static let dotColumns = StripEndings(rawValue: Int32(FK_SGEMM_RAN_DOT_COLUMNS))

    init(rawValue: Int32) { self.rawValue = rawValue }
    /// The endings bits of what `fk_sgemm` returned.
    init(_ ran: Int32) { rawValue = ran & (Int32(FK_SGEMM_RAN_HALF_STRIP) | Int32(FK_SGEMM_RAN_DOT_COLUMNS)) }

    /// The names logged, in a fixed order.
    var names: [String] { (contains(.halfStrip) ? ["half strip"] : []) + (contains(.dotColumns) ? ["dot columns"] : []) }
}

extension GEMMKernel {
    /// The kernel of a C variant number.
    init(variant: Int32) {
        switch Int(variant & Int32(FK_SGEMM_VARIANT_MASK)) {
        case Int(FK_SGEMM_DOT): self = .avx512Dot
        case Int(FK_SGEMM_IN_PLACE): self = .avx512InPlace
        case Int(FK_SGEMM_VECTOR): self = .avx512Vector
        default: self = .avx512Packed
        }
    }
}

extension BLAS {
    /// C = alpha·op(A)·op(B) + beta·C on row-major matrices with row strides lda, ldb, ldc (as
    /// `cblas_sgemm` with `CblasRowMajor`), through the kernel every FusionKit operation uses
    /// (`GEMMKernel`): for a benchmark's floor of a model's products, or a product on raw buffers.
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
                            c: UnsafeMutablePointer<Float>, ldc: Int) {
        Tensor.gemm(a, b, c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta,
                    rowStrides: (lda, ldb, ldc))
    }
}

extension Tensor {
    /// `GEMMKernel.loops`: C = alpha·op(A)·op(B) + beta·C by plain loops over the stored
    /// matrices (rows `rowStrides` apart), each entry summed over k in order, then the epilogue.
    static func loopGEMM(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                         m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float,
                         rowStrides: (a: Int, b: Int, c: Int), epilogue: ProductEpilogue?) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    let x = transposeA ? a[p * rowStrides.a + i] : a[i * rowStrides.a + p]
                    let y = transposeB ? b[j * rowStrides.b + p] : b[p * rowStrides.b + j]
                    sum += x * y
                }
                let target = c + i * rowStrides.c + j
                target.pointee = beta == 0 ? alpha * sum : alpha * sum + beta * target.pointee
            }
        }
        epilogue?.apply(to: c, rowStride: rowStrides.c, m: m, n: n)
    }
}
