import FusionKit
import Foundation
import Testing

@Suite("Reductions, softmax and arg-extrema")
struct ReductionTests {
    static let cases: [([Int], [Int])] = [
        ([5], [0]), ([3, 4], [0]), ([3, 4], [1]), ([3, 4], [0, 1]), ([2, 3, 4], [1]), ([2, 3, 4], [0, 2]),
        ([2, 3, 4], [2, 1]), ([2, 3, 4, 5], [1, 2]), ([2, 3, 4, 5], [0, 3]), ([1, 1, 7], [2]),
        ([3, 1, 70], [2]), ([4, 0, 3], [2]), ([2, 100, 3], [1]), ([130], [0]),
    ]

    @Test("sum, max, min, mean match the reference with and without kept dimensions", arguments: cases)
    func reductions(shape: [Int], axes: [Int]) {
        let x = random(shape, seed: 7)
        let sorted = axes.map { $0 < 0 ? $0 + shape.count : $0 }
        let sum = Reference.reduce(x, axes: sorted, initial: 0, +)
        #expect(isClose(x.sum(alongAxes: axes, keepingDimensions: true), sum, relative: 1e-5, absolute: 1e-5))
        let dropped = sum.reshaped(shape.enumerated().filter { !sorted.contains($0.offset) }.map(\.element))
        #expect(isClose(x.sum(alongAxes: axes), dropped, relative: 1e-5, absolute: 1e-5))
        let n = Float(sorted.reduce(1) { $0 * shape[$1] })
        if n > 0 {
            #expect(isClose(x.mean(alongAxes: axes, keepingDimensions: true), sum / n, relative: 1e-5, absolute: 1e-5))
            #expect(x.max(alongAxes: axes, keepingDimensions: true) == Reference.reduce(x, axes: sorted, initial: -.infinity) { max($0, $1) })
            #expect(x.min(alongAxes: axes, keepingDimensions: true) == Reference.reduce(x, axes: sorted, initial: .infinity) { min($0, $1) })
        }
    }

    @Test func fullReductionsAreRankZero() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(x.sum().shape == [] && x.sum().scalar == 21)
        #expect(x.mean().scalar == 3.5)
        #expect(x.max().scalar == 6 && x.min().scalar == 1)
        #expect(Tensor.zeros([0, 3]).sum().scalar == 0)
        #expect(x.sum(alongAxes: -1).scalars == [6, 15])
    }

    @Test func varianceUsesCorrection() {
        let x = Tensor([1, 2, 3, 4, 10, 20, 30, 40], shape: [2, 4])
        let unbiased = x.variance(alongAxes: 1)
        #expect(isClose(unbiased, Tensor([5.0 / 3, 500.0 / 3])))
        #expect(isClose(x.variance(alongAxes: 1, correction: 0), Tensor([1.25, 125])))
        #expect(x.variance(alongAxes: [0, 1], keepingDimensions: true).shape == [1, 1])
    }

    @Test func nanPropagatesThroughMaxAndMin() {
        var values = [Float](repeating: 1, count: 40)
        values[33] = .nan
        let x = Tensor(values)
        #expect(x.max().scalar.isNaN)
        #expect(x.min().scalar.isNaN)
        #expect(x.argmax(alongAxis: 0).scalar == 33)
    }

    @Test func argmaxAndArgminTakeTheFirstExtreme() {
        let x = Tensor([3, 9, 9, 1, 0, 5, 0, 7], shape: [2, 4])
        #expect(x.argmax(alongAxis: 1).scalars == [1, 3])
        #expect(x.argmin(alongAxis: 1).scalars == [3, 0])
        #expect(x.argmax(alongAxis: 0).scalars == [0, 0, 0, 1])
        #expect(x.argmax(alongAxis: 1, keepingDimensions: true).shape == [2, 1])
    }

    @Test("softmax and log-softmax equal their definitions on every axis", arguments: [0, 1, 2, -1])
    func softmax(axis: Int) {
        let x = random([3, 4, 37], seed: 11) * 5
        let expected = x.exp() / x.exp().sum(alongAxes: axis, keepingDimensions: true)
        #expect(isClose(x.softmax(alongAxis: axis), expected, relative: 2e-6, absolute: 1e-7))
        #expect(isClose(x.logSoftmax(alongAxis: axis), expected.log(), relative: 1e-5, absolute: 2e-6))
        #expect(isClose(x.logSumExp(alongAxes: [axis]), x.exp().sum(alongAxes: axis).log(), relative: 1e-6, absolute: 1e-6))
    }

    @Test func softmaxIsStableForHugeInputs() {
        let x = Tensor([1000, 1001, 1002, -1000], shape: [1, 4])
        let y = x.softmax()
        #expect(y.scalars.allSatisfy { $0.isFinite })
        #expect(abs(y.sum().scalar - 1) < 1e-6)
        #expect(isClose(x.logSoftmax(), (x - 1002) - Tensor(Float(log(exp(-2.0) + exp(-1.0) + 1)))))
        let masked = Tensor([-.infinity, 0, -.infinity], shape: [1, 3]).softmax()
        #expect(masked.scalars == [0, 1, 0])
    }
}
