import Foundation

/// Element-wise mathematical functions. Each returns a new tensor of the same shape.
extension Tensor {
    /// e^x.
    public func exp() -> Tensor { vectorMap(VectorMath.exp) }

    /// The natural logarithm; -inf at 0 and NaN for negative inputs.
    public func log() -> Tensor { vectorMap(VectorMath.log) }

    /// The hyperbolic tangent.
    public func tanh() -> Tensor { vectorMap(VectorMath.tanh) }

    /// The logistic function 1 / (1 + e^-x).
    public func sigmoid() -> Tensor {
        vectorMap { x in 1 / (1 + VectorMath.exp(-x)) }
    }

    /// The square root; NaN for negative inputs.
    public func sqrt() -> Tensor { ElementwiseKernel.map(self) { $0.squareRoot() } }

    /// 1 / sqrt(x).
    public func rsqrt() -> Tensor { ElementwiseKernel.map(self) { 1 / $0.squareRoot() } }

    /// x².
    public func square() -> Tensor { ElementwiseKernel.map(self) { $0 * $0 } }

    /// |x|.
    public func abs() -> Tensor { ElementwiseKernel.map(self) { Swift.abs($0) } }

    /// x raised to a constant power. Powers 2, 1, 0.5, 0, -1 and -0.5 take exact fast paths.
    public func pow(_ exponent: Float) -> Tensor {
        switch exponent {
        case 2: return square()
        case 1: return self
        case 0.5: return sqrt()
        case 0: return Tensor.ones(shape)
        case -1: return ElementwiseKernel.map(self) { 1 / $0 }
        case -0.5: return rsqrt()
        default: return ElementwiseKernel.map(self) { Foundation.pow($0, exponent) }
        }
    }

    /// x raised to the power of `exponent`, element by element with broadcasting.
    public func pow(_ exponent: Tensor) -> Tensor {
        ElementwiseKernel.zip(self, exponent, op: "pow") { Foundation.pow($0, $1) }
    }

    /// max(x, 0); NaN stays NaN.
    public func relu() -> Tensor { ElementwiseKernel.map(self) { $0 < 0 ? 0 : $0 } }

    /// The Gaussian error linear unit x·Φ(x). With `approximate`, the tanh form of Hendrycks and
    /// Gimpel (PyTorch's `approximate="tanh"`); otherwise the exact form with erf.
    public func gelu(approximate: Bool = false) -> Tensor {
        if approximate {
            let inner = (self + self.square() * self * 0.044715) * 0.7978845608028654
            return self * (inner.tanh() + 1) * 0.5
        }
        return ElementwiseKernel.map(self) { x in 0.5 * x * (1 + erff(x * 0.70710678118654752)) }
    }

    /// Each element limited to `[min, max]`; either bound may be omitted. NaN stays NaN.
    public func clamp(min lower: Float = -.infinity, max upper: Float = .infinity) -> Tensor {
        precondition(!(lower > upper), "clamp: min \(lower) is greater than max \(upper)")
        return ElementwiseKernel.map(self) { $0 < lower ? lower : ($0 > upper ? upper : $0) }
    }

    /// -1, 0 or 1 by the sign of each element.
    public func sign() -> Tensor { ElementwiseKernel.map(self) { $0 > 0 ? 1 : ($0 < 0 ? -1 : $0) } }

    private func vectorMap(_ function: (VectorMath.Vector) -> VectorMath.Vector) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        VectorMath.apply(pointer, result.storage.pointer, count: count, function)
        return result
    }
}
