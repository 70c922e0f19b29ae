import FusionKit
import Foundation
import Testing

@Suite("Element-wise arithmetic and broadcasting")
struct ElementwiseTests {
    /// Pairs of shapes covering equal shapes, scalars, rank differences, size-1 and empty dims.
    static let shapePairs: [([Int], [Int])] = [
        ([3, 4], [3, 4]), ([3, 4], []), ([], [3, 4]), ([3, 4], [4]), ([3, 4], [3, 1]), ([3, 1], [1, 4]),
        ([2, 3, 4], [3, 1]), ([2, 1, 4], [1, 3, 1]), ([5], [1]), ([1], [5]), ([2, 0, 3], [3]),
        ([0], [1]), ([2, 3, 1, 5], [3, 4, 1]), ([1, 1], [1]), ([4, 1, 1, 2], [1, 3, 5, 1]), ([1], []),
        ([6, 1, 7], [6, 5, 7]), ([17, 33], [33]), ([33, 17], [33, 1]),
    ]

    @Test("add, subtract, multiply, divide match the reference under broadcasting",
          arguments: shapePairs)
    func arithmetic(shapes: ([Int], [Int])) {
        let a = random(shapes.0, seed: 1), b = random(shapes.1, seed: 2) + 3
        #expect(isClose(a + b, Reference.broadcastZip(a, b, +)))
        #expect(isClose(a - b, Reference.broadcastZip(a, b, -)))
        #expect(isClose(a * b, Reference.broadcastZip(a, b, *)))
        #expect(isClose(a / b, Reference.broadcastZip(a, b, /)))
        #expect(isClose(Tensor.maximum(a, b), Reference.broadcastZip(a, b, { max($0, $1) })))
        #expect(isClose(Tensor.minimum(a, b), Reference.broadcastZip(a, b, { min($0, $1) })))
    }

    @Test("comparisons give 1 and 0 under broadcasting", arguments: shapePairs)
    func comparisons(shapes: ([Int], [Int])) {
        let a = random(shapes.0, seed: 3).clamp(min: -1, max: 1), b = random(shapes.1, seed: 4).clamp(min: -1, max: 1)
        #expect((a .< b) == Reference.broadcastZip(a, b) { $0 < $1 ? 1 : 0 })
        #expect((a .<= b) == Reference.broadcastZip(a, b) { $0 <= $1 ? 1 : 0 })
        #expect((a .> b) == Reference.broadcastZip(a, b) { $0 > $1 ? 1 : 0 })
        #expect((a .>= b) == Reference.broadcastZip(a, b) { $0 >= $1 ? 1 : 0 })
        #expect((a .== a) == Tensor.ones(a.shape))
        #expect((a .!= b) == Reference.broadcastZip(a, b) { $0 != $1 ? 1 : 0 })
    }

    @Test func scalarOperandsAndNegation() {
        let a = Tensor([1, -2, 3, 4], shape: [2, 2])
        #expect((a + 1).scalars == [2, -1, 4, 5])
        #expect((10 - a).scalars == [9, 12, 7, 6])
        #expect((a * 2).scalars == [2, -4, 6, 8])
        #expect((a / 2).scalars == [0.5, -1, 1.5, 2])
        #expect((2 / a).scalars == [2, -1, 2.0 / 3, 0.5])
        #expect((-a).scalars == [-1, 2, -3, -4])
        #expect((a .> 1.5).scalars == [0, 0, 1, 1])
    }

    @Test func compoundAssignmentWritesInPlaceAndRespectsCopies() {
        var a = Tensor([1, 2, 3, 4], shape: [2, 2])
        let saved = a
        a += Tensor([10, 20])
        #expect(a.scalars == [11, 22, 13, 24])
        #expect(saved.scalars == [1, 2, 3, 4], "copy-on-write must leave the copy untouched")
        a *= 2
        #expect(a.scalars == [22, 44, 26, 48])
        a -= Tensor(2)
        a /= Tensor([[2], [1]])
        #expect(a.scalars == [10, 21, 24, 46])
    }

    @Test func selectChoosesByCondition() {
        let condition = Tensor([1, 0, 1, 0], shape: [2, 2])
        let result = Tensor.select(where: condition, Tensor([1, 2]), Tensor(-1))
        #expect(result.scalars == [1, -1, 1, -1])
    }
}
