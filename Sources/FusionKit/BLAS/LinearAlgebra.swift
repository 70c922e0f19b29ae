import COpenBLAS

/// Errors from LAPACK routines, with the routine's name and its `info` code.
public enum LinearAlgebraError: DescribedError, Equatable {
    /// The matrix is singular: `solve` met an exactly zero pivot at the given 1-based position.
    case singularMatrix(routine: String, pivot: Int)
    /// The iterative algorithm (SVD) did not converge.
    case didNotConverge(routine: String, info: Int)
    /// LAPACK rejected an argument (a FusionKit bug if it ever happens).
    case invalidArgument(routine: String, position: Int)

    public var description: String {
        switch self {
        case let .singularMatrix(routine, pivot): return "\(routine): the matrix is singular (zero pivot at \(pivot))"
        case let .didNotConverge(routine, info): return "\(routine): did not converge (info \(info))"
        case let .invalidArgument(routine, position): return "\(routine): invalid argument \(position)"
        }
    }
}

/// Dense linear algebra through LAPACKE on row-major matrices.
public enum LinearAlgebra {
    /// The reduced QR decomposition of an m×n matrix: Q is m×min(m,n) with orthonormal columns,
    /// R is min(m,n)×n upper triangular, and Q·R equals the input.
    public static func qr(_ matrix: Tensor) throws -> (q: Tensor, r: Tensor) {
        precondition(matrix.rank == 2, "qr: expected a matrix, got shape \(matrix.shape)")
        BLAS.ensureConfigured()
        let m = matrix.shape[0], n = matrix.shape[1], p = Swift.min(m, n)
        if p == 0 { return (Tensor.zeros([m, 0]), Tensor.zeros([0, n])) }
        var factored = matrix
        var tau = [Float](repeating: 0, count: p)
        try factored.withUnsafeMutablePointer { a in
            try check("sgeqrf", LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, Int32(m), Int32(n), a, Int32(n), &tau))
        }
        // R: the upper triangle of the first p rows.
        var r = Tensor.zeros([p, n])
        factored.withPointer { source in
            r.withUnsafeMutablePointer { target in
                for i in 0..<p { for j in i..<n { target[i * n + j] = source[i * n + j] } }
            }
        }
        // Q: the first p columns, formed from the Householder reflectors.
        var q = factored.slice(0..<p, alongAxis: 1)
        try q.withUnsafeMutablePointer { a in
            try check("sorgqr", LAPACKE_sorgqr(LAPACK_ROW_MAJOR, Int32(m), Int32(p), Int32(p), a, Int32(p), tau))
        }
        return (q, r)
    }

    /// The solution X of A·X = B for a square A (n×n) and B of shape [n] or [n, k].
    ///
    /// - Throws: `LinearAlgebraError.singularMatrix` when A is exactly singular.
    public static func solve(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        precondition(a.rank == 2 && a.shape[0] == a.shape[1], "solve: A must be square, got shape \(a.shape)")
        precondition((b.rank == 1 || b.rank == 2) && b.shape[0] == a.shape[0],
                     "solve: B of shape \(b.shape) does not match A of shape \(a.shape)")
        BLAS.ensureConfigured()
        let n = a.shape[0], columns = b.rank == 1 ? 1 : b.shape[1]
        if n == 0 || columns == 0 { return b }
        var lu = a
        var x = b
        var pivots = [Int32](repeating: 0, count: n)
        try lu.withUnsafeMutablePointer { pa in
            try x.withUnsafeMutablePointer { pb in
                try check("sgesv", LAPACKE_sgesv(LAPACK_ROW_MAJOR, Int32(n), Int32(columns), pa, Int32(n),
                                                 &pivots, pb, Int32(columns)))
            }
        }
        return x
    }

    /// The thin singular value decomposition of an m×n matrix: U (m×p), S (p, descending) and
    /// Vᵀ (p×n), p = min(m, n), with U·diag(S)·Vᵀ equal to the input.
    public static func svd(_ matrix: Tensor) throws -> (u: Tensor, s: Tensor, vt: Tensor) {
        precondition(matrix.rank == 2, "svd: expected a matrix, got shape \(matrix.shape)")
        BLAS.ensureConfigured()
        let m = matrix.shape[0], n = matrix.shape[1], p = Swift.min(m, n)
        if p == 0 { return (Tensor.zeros([m, 0]), Tensor.zeros([0]), Tensor.zeros([0, n])) }
        var a = matrix
        var s = Tensor.zeros([p]), u = Tensor.zeros([m, p]), vt = Tensor.zeros([p, n])
        try a.withUnsafeMutablePointer { pa in
            try s.withUnsafeMutablePointer { ps in
                try u.withUnsafeMutablePointer { pu in
                    try vt.withUnsafeMutablePointer { pv in
                        try check("sgesdd", LAPACKE_sgesdd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "S")), Int32(m), Int32(n),
                                                           pa, Int32(n), ps, pu, Int32(p), pv, Int32(n)))
                    }
                }
            }
        }
        return (u, s, vt)
    }

    private static func check(_ routine: String, _ info: Int32) throws {
        if info == 0 { return }
        if info < 0 { throw LinearAlgebraError.invalidArgument(routine: routine, position: Int(-info)) }
        if routine == "sgesv" { throw LinearAlgebraError.singularMatrix(routine: routine, pivot: Int(info)) }
        throw LinearAlgebraError.didNotConverge(routine: routine, info: Int(info))
    }
}
