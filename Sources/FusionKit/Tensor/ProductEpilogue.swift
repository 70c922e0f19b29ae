import CFusionKitKernels

/// What `Tensor.gemm` does to each entry of C = alpha·op(A)·op(B) + beta·C once it is complete:
///
///     C[i, j] = relu(C[i, j] + bias[i] + residual[i, j])
///
/// each part optional. FusionKit's own kernels apply it to each register block as it is stored
/// (`fk_sgemm_epilogue`), so a convolution's bias, residual connection and ReLU cost no pass of
/// their own over the output; after OpenBLAS's product, `apply` runs the same as a loop.
struct ProductEpilogue {
    /// One value per row of C, or nil.
    var bias: UnsafePointer<Float>?
    /// A matrix of C's shape whose rows lie `residualStride` floats apart, or nil.
    var residual: UnsafePointer<Float>?
    var residualStride: Int
    var relu: Bool

    /// An epilogue, or nil when it would do nothing.
    static func ifAny(bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, residualStride: Int,
                      relu: Bool) -> ProductEpilogue? {
        bias == nil && residual == nil && !relu
            ? nil : ProductEpilogue(bias: bias, residual: residual, residualStride: residualStride, relu: relu)
    }

    /// The epilogue of the block of C that starts at (row, column).
    func offset(row: Int, column: Int) -> ProductEpilogue {
        ProductEpilogue(bias: bias.map { $0 + row }, residual: residual.map { $0 + row * residualStride + column },
                        residualStride: residualStride, relu: relu)
    }

    var cValue: fk_product_epilogue {
        fk_product_epilogue(bias: bias, residual: residual, residualStride: residualStride, relu: relu ? 1 : 0)
    }

    /// The plain loop (`fk_product_epilogue_apply`), over an m × n C whose rows lie `rowStride`
    /// floats apart: what the own kernels' stores do, for OpenBLAS's product and the loops.
    func apply(to c: UnsafeMutablePointer<Float>, rowStride: Int, m: Int, n: Int) {
        var epilogue = cValue
        fk_product_epilogue_apply(&epilogue, c, rowStride, m, n)
    }
}
