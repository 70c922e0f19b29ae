import FusionKit
import Testing

@Suite("Compact bilinear pooling (FFTW)")
struct CompactBilinearTests {
    @Test func circularConvolutionMatchesItsDefinition() {
        let a = random([3, 8], seed: 70), b = random([3, 8], seed: 71)
        let (sa, sb) = (a.scalars, b.scalars)
        var expected = [Float](repeating: 0, count: 24)
        for r in 0..<3 { for k in 0..<8 { for i in 0..<8 { expected[r * 8 + k] += sa[r * 8 + i] * sb[r * 8 + (k - i + 8) % 8] } } }
        #expect(isClose(a.circularConvolution(b), Tensor(expected, shape: [3, 8]), relative: 1e-5, absolute: 1e-5))
        let mismatches = GradientCheck.check([a, b]) { $0[0].circularConvolution($0[1]) }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
        let odd = random([2, 7], seed: 72)
        #expect(GradientCheck.check([odd, odd * 0.5]) { $0[0].circularConvolution($0[1]) }.isEmpty)
    }

    @Test func sketchOfTheOuterProduct() {
        // Without normalisation, z[k] = Σ_{i,j: (h_x(i) + h_y(j)) mod D = k} s_x(i)·s_y(j)·x_i·y_j.
        var generator = RandomGenerator(seed: 73)
        let mcb = CompactBilinearPooling(widths: [4, 3], dimension: 16, normalize: false, generator: &generator)
        let x = random([2, 4], seed: 74), y = random([2, 3], seed: 75)
        let state = mcb.stateDict()
        let (hx, sx, hy, sy) = (state["hash_x"]!.scalars, state["sign_x"]!.scalars, state["hash_y"]!.scalars, state["sign_y"]!.scalars)
        var expected = [Float](repeating: 0, count: 32)
        for b in 0..<2 { for i in 0..<4 { for j in 0..<3 {
            let k = (Int(hx[i]) + Int(hy[j])) % 16
            expected[b * 16 + k] += sx[i] * sy[j] * x.scalars[b * 4 + i] * y.scalars[b * 3 + j]
        } } }
        #expect(isClose(mcb(x, y), Tensor(expected, shape: [2, 16]), relative: 1e-4, absolute: 1e-5))
        #expect(GradientCheck.check([x, y]) { mcb.fuse($0) }.isEmpty)
        let normalized = CompactBilinearPooling(widths: [4, 3], dimension: 16, generator: &generator)(x, y)
        #expect(isClose(normalized.square().sum(alongAxes: 1), Tensor.ones([2]), relative: 1e-4, absolute: 1e-5))
    }
}
