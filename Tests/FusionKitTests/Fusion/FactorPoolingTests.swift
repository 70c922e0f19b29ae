import FusionKit
import Testing

/// MFB's fused pooling (`factorPooledSignedRoot`) against its definition composed from recorded
/// operations, and its backward against finite differences.
@Suite("MFB factor pooling")
struct FactorPoolingTests {
    /// Window sums, sign(p)·√(|p| + ε₁), L2 normalisation: the composition MFBFusion used before.
    static func reference(_ x: Tensor, factor: Int, sqrtEpsilon: Float, normEpsilon: Float = 1e-12) -> Tensor {
        let lead = Array(x.shape.dropLast())
        let pooled = x.reshaped(lead + [x.shape[x.rank - 1] / factor, factor]).sum(alongAxes: x.rank)
        let powered = pooled.sign() * (pooled.abs() + sqrtEpsilon).sqrt()
        let norm = (powered.square().sum(alongAxes: [powered.rank - 1], keepingDimensions: true) + normEpsilon).sqrt()
        return powered / norm
    }

    @Test(arguments: [[3, 12], [2, 5, 8], [4, 3]])
    func matchesComposition(shape: [Int]) {
        let factor = shape.last! % 3 == 0 ? 3 : 2
        var x = random(shape, seed: 30)
        // One window that sums to exactly zero: no gradient flows through its sign.
        x = Tensor(Array([1, -1] + Array(repeating: 0, count: factor - 2)) + Array(x.scalars.dropFirst(factor)), shape: shape)
        let upstream = random(Array(shape.dropLast()) + [shape.last! / factor], seed: 31)
        let a = x.requiringGradient(), b = x.requiringGradient()
        let fused = a.factorPooledSignedRoot(factor: factor, sqrtEpsilon: 1e-3)
        let composed = Self.reference(b, factor: factor, sqrtEpsilon: 1e-3)
        #expect(isClose(fused, composed, relative: 1e-5, absolute: 1e-6))
        fused.backward(upstream)
        composed.backward(upstream)
        #expect(isClose(a.gradient!, b.gradient!, relative: 1e-4, absolute: 1e-5))
    }

    @Test func gradientsMatchFiniteDifferences() {
        // Windows away from a zero sum, where the signed square root is smooth.
        let x = random([3, 8], seed: 32) + 0.2
        expectGradients([x]) { $0[0].factorPooledSignedRoot(factor: 2, sqrtEpsilon: 1e-2) }
    }
}
