import FusionKit
import Testing

@Suite("LAPACKE wrappers")
struct LinearAlgebraTests {
    @Test("QR reproduces the matrix with orthonormal Q", arguments: [[5, 3], [3, 5], [4, 4], [1, 1]])
    func qr(shape: [Int]) throws {
        let a = random(shape, seed: 31)
        let (q, r) = try LinearAlgebra.qr(a)
        let p = min(shape[0], shape[1])
        #expect(q.shape == [shape[0], p] && r.shape == [p, shape[1]])
        #expect(isClose(q.matmul(r), a, relative: 1e-5, absolute: 1e-5))
        #expect(isClose(q.matmul(q, transposeA: true), Tensor.eye(p), relative: 0, absolute: 1e-5))
        for i in 0..<p { for j in 0..<i { #expect(r[i, j] == 0) } }
    }

    @Test func solveAndSingular() throws {
        let a = Tensor([[4, 1, 0], [1, 3, 1], [0, 1, 2]])
        let x = Tensor([[1, 2], [3, 4], [5, 6]])
        let b = a.matmul(x)
        #expect(isClose(try LinearAlgebra.solve(a, b), x, relative: 1e-5, absolute: 1e-5))
        #expect(isClose(try LinearAlgebra.solve(a, Tensor([1, 2, 3])), try LinearAlgebra.solve(a, Tensor([[1], [2], [3]])).reshaped([3])))
        let singular = Tensor([[1, 2], [2, 4]])
        #expect(throws: LinearAlgebraError.self) { try LinearAlgebra.solve(singular, Tensor([1, 1])) }
    }

    @Test func svdReconstructs() throws {
        let a = random([6, 4], seed: 32)
        let (u, s, vt) = try LinearAlgebra.svd(a)
        #expect(u.shape == [6, 4] && s.shape == [4] && vt.shape == [4, 4])
        #expect(isClose((u * s).matmul(vt), a, relative: 1e-4, absolute: 1e-5))
        #expect(zip(s.scalars, s.scalars.dropFirst()).allSatisfy { $0 >= $1 })
    }
}
