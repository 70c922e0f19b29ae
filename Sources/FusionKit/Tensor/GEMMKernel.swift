import CFusionKitKernels
import COpenBLAS

/// The code that multiplies the matrices of every `Tensor.gemm` (and so of `matmul`, linear
/// layers, convolutions and attention). Both compute C = alpha·op(A)·op(B) + beta·C; tests run
/// each against `Tensor.loopProduct`, the plain loops of `MatmulPath.reference`.
public enum GEMMKernel: String, CaseIterable, Sendable {
    /// OpenBLAS's `cblas_sgemm`, on OpenBLAS's threads.
    case openBLAS
    /// FusionKit's own AVX-512 kernel (CFusionKitKernels/MatrixProduct.c), on the calling thread
    /// or, for large products outside a per-core split, on `Parallel.threadCount` cores
    /// (columns or rows shared out, on `WorkerPool`). Chosen where the CPU has AVX-512 and OpenBLAS runs a
    /// narrower kernel: a build that does not know the CPU, or `OPENBLAS_CORETYPE` set to an
    /// older kernel, as on the bench host. There it is 1.4–1.7× OpenBLAS's speed on one core
    /// (Docs/Benchmarks.md, "Own AVX-512 matrix products").
    case avx512
}

extension Tensor {
    /// The kernel `gemm` runs on this host: pure, for tests of the choice.
    public static func gemmKernel(avx512Available: Bool, openBLASKernel: String) -> GEMMKernel {
        avx512Available && BLAS.generation(of: openBLASKernel) < BLAS.generation(of: "SkylakeX") ? .avx512 : .openBLAS
    }

    /// A kernel to run instead of the chosen one, for tests and benchmarks comparing kernels
    /// (`Tensor.$forcedGEMMKernel.withValue(.openBLAS) { ... }`). `.avx512` forced on a CPU
    /// without AVX-512 runs `.openBLAS`.
    @TaskLocal public static var forcedGEMMKernel: GEMMKernel?

    /// The kernel the next `gemm` runs.
    static var currentGEMMKernel: GEMMKernel {
        let available = fk_sgemm_available() != 0
        guard available else { return .openBLAS }
        return forcedGEMMKernel ?? (BLAS.openBLASRunsAVX512 ? .openBLAS : .avx512)
    }

    /// `gemm` by `GEMMKernel.avx512`: on the calling thread when the product is small or the
    /// caller shares work among cores itself (OpenBLAS limited to one thread, as inside
    /// `BLAS.parallelChunks`), else split into one block of columns (or rows, for tall
    /// products) per core.
    static func ownGEMM(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                        m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float,
                        rowStrides: (a: Int, b: Int, c: Int)) {
        let (lda, ldb, ldc) = (Swift.max(1, rowStrides.a), Swift.max(1, rowStrides.b), Swift.max(1, rowStrides.c))
        let cores = Swift.min(Parallel.threadCount, WorkerPool.cores)
        guard cores > 1, m * n * k >= Tuning.ownGEMMSharedProducts, openblas_get_num_threads() > 1 else {
            fk_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        // Blocks aligned to the kernel's register block (32 columns, 12 rows).
        let byColumns = n >= m, extent = byColumns ? n : m, unit = byColumns ? 32 : 12
        let units = (extent + unit - 1) / unit, chunks = Swift.min(cores, units)
        WorkerPool.run(count: chunks) { chunk in
            let first = Swift.min(extent, units * chunk / chunks * unit), last = Swift.min(extent, units * (chunk + 1) / chunks * unit)
            guard first < last else { return }
            if byColumns {
                fk_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, last - first, k, alpha, a, lda,
                         b + (transposeB ? first * ldb : first), ldb, beta, c + first, ldc)
            } else {
                fk_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, last - first, n, k, alpha, a + (transposeA ? first : first * lda),
                         lda, b, ldb, beta, c + first * ldc, ldc)
            }
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
