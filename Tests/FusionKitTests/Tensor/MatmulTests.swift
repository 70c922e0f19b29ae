import FusionKit
import Testing

@Suite("Matrix products against a triple loop")
struct MatmulTests {
    /// (shape of A as stored, shape of B as stored) for every transpose combination; batch
    /// dimensions broadcast.
    static let cases: [([Int], [Int])] = [
        ([3, 4], [4, 5]), ([1, 1], [1, 1]), ([7, 1], [1, 6]), ([2, 3, 4], [4, 5]), ([2, 3, 4], [2, 4, 5]),
        ([3, 4], [2, 4, 5]), ([2, 1, 3, 4], [3, 4, 5]), ([1, 3, 4], [2, 4, 5]), ([0, 4], [4, 5]),
        ([3, 0], [0, 5]), ([2, 0, 3, 4], [4, 2]), ([33, 17], [17, 9]), ([4, 2, 5, 3], [4, 1, 3, 6]),
        // Batched products above and below the size that skips sgemm (Tensor.tinyProductSize).
        ([2, 20, 16], [2, 16, 12]), ([6, 1, 16], [6, 16, 9]), ([6, 9, 16], [6, 16, 1]),
    ]

    static let flags = [(false, false), (true, false), (false, true), (true, true)]

    @Test("every transpose combination with batch broadcasting", arguments: cases)
    func matmul(shapes: ([Int], [Int])) {
        for (ta, tb) in Self.flags {
            var sa = shapes.0, sb = shapes.1
            if ta { sa.swapAt(sa.count - 1, sa.count - 2) }
            if tb { sb.swapAt(sb.count - 1, sb.count - 2) }
            let a = random(sa, seed: 21), b = random(sb, seed: 22)
            let expected = Reference.matmul(a, b, transposeA: ta, transposeB: tb)
            let actual = a.matmul(b, transposeA: ta, transposeB: tb)
            #expect(isClose(actual, expected, relative: 1e-5, absolute: 1e-5),
                    "A\(sa) B\(sb) transposeA \(ta) transposeB \(tb): max difference \(maxDifference(actual, expected))")
        }
    }

    @Test func vectorOperands() {
        let m = Tensor.arange(6).reshaped([2, 3])
        let v = Tensor([1, 2, 3])
        #expect(m.matmul(v).shape == [2] && m.matmul(v).scalars == [8, 26])
        #expect(Tensor([1, 2]).matmul(m).scalars == [6, 9, 12])
        #expect(v.matmul(v).shape == [] && v.matmul(v).scalar == 14)
        #expect(Tensor([1, 2]).matmul(m.transposed(), transposeB: true).scalars == [6, 9, 12])
    }
}
