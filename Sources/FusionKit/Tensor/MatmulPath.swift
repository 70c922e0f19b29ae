/// The kernels `matmul` runs for its products, one per batch element (or one in all when a
/// shared right operand lets the batch fold into the rows). All give C = alpha·op(A)·op(B).
public enum MatmulPath: String, CaseIterable, Sendable {
    /// Plain loops on the calling thread, each element summed over k in order
    /// (`Tensor.loopProduct`): the path every other one is tested against.
    case reference
    /// The same loops, the batch elements shared among the cores: many tiny products.
    case loopsPerCore
    /// One `cblas_sgemm` call per product, one after another, each on OpenBLAS's threads.
    case gemm
    /// One single-threaded `cblas_sgemm` per product, the products shared among the cores
    /// (`BLAS.parallelChunks`): small products in batches of four or more.
    case gemmPerCore
}
