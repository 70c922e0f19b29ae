import CFusionKitKernels
import Foundation

/// Element-wise mathematical functions. Each returns a new tensor of the same shape.
extension Tensor {
    /// e^x.
    public func exp() -> Tensor { vectorMap(fk_exp) }

    /// The natural logarithm; -inf at 0 and NaN for negative inputs.
    public func log() -> Tensor { vectorMap(fk_log) }

    /// The hyperbolic tangent.
    public func tanh() -> Tensor { vectorMap(fk_tanh) }

    /// The logistic function 1 / (1 + e^-x).
    public func sigmoid() -> Tensor { vectorMap(fk_sigmoid) }

    /// The square root; NaN for negative inputs.
    public func sqrt() -> Tensor { ElementwiseKernel.map(self, Operators.SquareRoot()) }

    /// 1 / sqrt(x).
    public func rsqrt() -> Tensor { ElementwiseKernel.map(self, Operators.ReciprocalSquareRoot()) }

    /// x².
    public func square() -> Tensor { ElementwiseKernel.map(self, Operators.Square()) }

    /// |x|.
    public func abs() -> Tensor { ElementwiseKernel.map(self, Operators.Absolute()) }

    /// x raised to a constant power. Powers 2, 1, 0.5, 0, -1 and -0.5 take exact fast paths.
    public func pow(_ exponent: Float) -> Tensor {
        switch exponent {
        case 2: return square()
        case 1: return self
        case 0.5: return sqrt()
        case 0: return Tensor.ones(shape)
        case -1: return ElementwiseKernel.map(self, Operators.Reciprocal())
        case -0.5: return rsqrt()
        default: return ElementwiseKernel.map(self, Operators.ConstantPower(exponent: exponent))
        }
    }

    /// x raised to the power of `exponent`, element by element with broadcasting.
    public func pow(_ exponent: Tensor) -> Tensor {
        ElementwiseKernel.zip(self, exponent, op: "pow", Operators.Power())
    }

    /// max(x, 0); NaN stays NaN.
    public func relu() -> Tensor { ElementwiseKernel.map(self, Operators.ReLU()) }

    /// The Gaussian error linear unit x·Φ(x). With `approximate`, the tanh form of Hendrycks and
    /// Gimpel (PyTorch's `approximate="tanh"`); otherwise the exact form with erf.
    public func gelu(approximate: Bool = false) -> Tensor {
        if approximate {
            let inner = (self + self.square() * self * 0.044715) * 0.7978845608028654
            return self * (inner.tanh() + 1) * 0.5
        }
        return ElementwiseKernel.map(self, Operators.GELU())
    }

    /// Each element limited to `[min, max]`; either bound may be omitted. NaN stays NaN.
    public func clamp(min lower: Float = -.infinity, max upper: Float = .infinity) -> Tensor {
        precondition(!(lower > upper), "clamp: min \(lower) is greater than max \(upper)")
        return ElementwiseKernel.map(self, Operators.Clamp(lower: lower, upper: upper))
    }

    /// -1, 0 or 1 by the sign of each element.
    public func sign() -> Tensor { ElementwiseKernel.map(self, Operators.Sign()) }

    /// Runs one of the vectorised C kernels (see CFusionKitKernels) over all elements, split
    /// across cores for large tensors.
    private func vectorMap(_ kernel: (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let source = pointer, target = result.storage.pointer
        Parallel.forEachChunk(count: count, minimumChunk: 16384) { range in
            kernel(source + range.lowerBound, target + range.lowerBound, range.count)
        }
        return result
    }
}
