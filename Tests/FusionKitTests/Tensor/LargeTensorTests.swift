import FusionKit
import Foundation
import Testing

/// Tensors large enough that element-wise work is split across cores: the split must not
/// change what is computed.
@Suite("Multi-core element-wise paths")
struct LargeTensorTests {
    let count = 300_001

    @Test func elementwiseAndReductionsOnLargeTensors() {
        let a = random([count], seed: 51), b = random([count], seed: 52)
        let sa = a.scalars, sb = b.scalars
        #expect((a + b).scalars == zip(sa, sb).map { $0 + $1 })
        #expect((a * 3).scalars == sa.map { $0 * 3 })
        let e = a.exp().scalars
        #expect(zip(sa, e).allSatisfy { abs($1 - Foundation.exp($0)) <= 4e-7 * Foundation.exp($0) })
        let expectedSum = sa.reduce(0.0) { $0 + Double($1) }
        #expect(abs(Double(a.sum().scalar) - expectedSum) < 1e-2)
        #expect(a.max().scalar == sa.max()! && a.min().scalar == sa.min()!)
        let rows = a.slice(0..<300_000, alongAxis: 0).reshaped([3000, 100])
        let rowSums = rows.sum(alongAxes: 1).scalars
        for r in [0, 1499, 2999] {
            let expected = sa[(r * 100)..<(r * 100 + 100)].reduce(0, +)
            #expect(abs(rowSums[r] - expected) < 1e-3)
        }
    }

    @Test func broadcastingAndSoftmaxBackwardOnLargeTensors() {
        let a = random([1000, 300], seed: 53), row = random([300], seed: 54), column = random([1000, 1], seed: 55)
        let sa = a.scalars, sr = row.scalars, sc = column.scalars
        let sum = (a + row).scalars, difference = (a - column).scalars
        var mismatches = 0
        for i in 0..<1000 { for j in 0..<300 {
            if sum[i * 300 + j] != sa[i * 300 + j] + sr[j] { mismatches += 1 }
            if difference[i * 300 + j] != sa[i * 300 + j] - sc[i] { mismatches += 1 }
        } }
        #expect(mismatches == 0)
        let x = a.requiringGradient(), g = random([1000, 300], seed: 56)
        let y = x.softmax()
        y.backward(g)
        let expected = y.detached() * (g - (g * y.detached()).sum(alongAxes: 1, keepingDimensions: true))
        #expect(isClose(x.gradient!, expected, relative: 1e-4, absolute: 1e-7))
    }
}
