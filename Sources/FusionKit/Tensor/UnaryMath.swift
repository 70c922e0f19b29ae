import CFusionKitKernels
import Foundation

/// Element-wise mathematical functions. Each returns a new tensor of the same shape and, when
/// the input requires gradient, records its derivative.
extension Tensor {
    /// e^x. Derivative: e^x.
    public func exp() -> Tensor {
        let y = vectorMap(fk_exp)
        return recordUnary("exp", y) { g in g * y }
    }

    /// The natural logarithm; -inf at 0 and NaN for negative inputs. Derivative: 1/x.
    public func log() -> Tensor {
        recordUnary("log", vectorMap(fk_log)) { g in g / self }
    }

    /// log(1 + x), accurate for small x. Derivative: 1 / (1 + x).
    public func log1p() -> Tensor {
        recordUnary("log1p", ElementwiseKernel.map(self, Operators.LogOnePlus())) { g in g / (self + 1) }
    }

    /// The hyperbolic tangent. Derivative: 1 - tanh².
    public func tanh() -> Tensor {
        let y = vectorMap(fk_tanh)
        return recordUnary("tanh", y) { g in g * (1 - y.square()) }
    }

    /// The logistic function 1 / (1 + e^-x). Derivative: σ(1 - σ).
    public func sigmoid() -> Tensor {
        let y = vectorMap(fk_sigmoid)
        return recordUnary("sigmoid", y) { g in g * y * (1 - y) }
    }

    /// The square root; NaN for negative inputs. Derivative: 1 / (2√x).
    public func sqrt() -> Tensor {
        let y = ElementwiseKernel.map(self, Operators.SquareRoot())
        return recordUnary("sqrt", y) { g in g * 0.5 / y }
    }

    /// 1 / sqrt(x). Derivative: -½ x^{-3/2}.
    public func rsqrt() -> Tensor {
        let y = ElementwiseKernel.map(self, Operators.ReciprocalSquareRoot())
        return recordUnary("rsqrt", y) { g in g * y * y * y * -0.5 }
    }

    /// x². Derivative: 2x.
    public func square() -> Tensor {
        recordUnary("square", ElementwiseKernel.map(self, Operators.Square())) { g in g * self * 2 }
    }

    /// |x|. Derivative: sign(x) (0 at 0, as PyTorch).
    public func abs() -> Tensor {
        recordUnary("abs", ElementwiseKernel.map(self, Operators.Absolute())) { g in g * self.sign() }
    }

    /// x raised to a constant power. Powers 2, 1, 0.5, 0, -1 and -0.5 take exact fast paths.
    /// Derivative: p·x^{p-1}.
    public func pow(_ exponent: Float) -> Tensor {
        switch exponent {
        case 2: return square()
        case 1: return self
        case 0.5: return sqrt()
        case 0: return Tensor.ones(shape)
        case -0.5: return rsqrt()
        default:
            let y = exponent == -1 ? ElementwiseKernel.map(self, Operators.Reciprocal())
                                   : ElementwiseKernel.map(self, Operators.ConstantPower(exponent: exponent))
            return recordUnary("pow", y) { g in g * self.pow(exponent - 1) * exponent }
        }
    }

    /// x raised to the power of `exponent`, element by element with broadcasting.
    /// Derivatives: b·a^{b-1} for the base, a^b·ln a for the exponent.
    public func pow(_ exponent: Tensor) -> Tensor {
        let y = ElementwiseKernel.zip(self, exponent, op: "pow", Operators.Power())
        guard Autograd.shouldRecord(self, exponent) else { return y }
        return y.recorded("pow", inputs: [self, exponent]) { g in
            [self.requiresGradient ? (g * exponent * self.pow(exponent - 1)).reduced(toShape: self.shape) : nil,
             exponent.requiresGradient ? (g * y * self.log()).reduced(toShape: exponent.shape) : nil]
        }
    }

    /// max(x, 0); NaN stays NaN. Derivative: 1 where x > 0, else 0.
    public func relu() -> Tensor {
        // The backward reads the output (y > 0 exactly where x > 0), not the input: the input can be
        // freed as soon as the next layer has read it, and no mask tensor is made.
        let y = ElementwiseKernel.map(self, Operators.ReLU())
        return recordUnary("relu", y) { g in ElementwiseKernel.zip(g, y, op: "reluBackward", Operators.PassWherePositive()) }
    }

    /// x for x ≥ 0, slope·x below. Derivative: 1 or slope.
    public func leakyReLU(negativeSlope: Float = 0.01) -> Tensor {
        let y = ElementwiseKernel.map(self, Operators.LeakyReLU(slope: negativeSlope))
        return recordUnary("leakyReLU", y) { g in g * ElementwiseKernel.map(self, Operators.LeakyReLUSlope(slope: negativeSlope)) }
    }

    /// The Gaussian error linear unit x·Φ(x). With `approximate`, the tanh form of Hendrycks and
    /// Gimpel (PyTorch's `approximate="tanh"`), differentiated through its parts; otherwise the
    /// exact form, whose derivative is Φ(x) + x·φ(x), both by the vector kernels `fk_gelu` and
    /// `fk_gelu_derivative` (Φ through erfc, so the far negative tail keeps its relative accuracy).
    public func gelu(approximate: Bool = false) -> Tensor {
        if approximate {
            let inner = (self + self.square() * self * 0.044715) * 0.7978845608028654
            return self * (inner.tanh() + 1) * 0.5
        }
        return recordUnary("gelu", vectorMap(fk_gelu)) { g in g * self.vectorMap(fk_gelu_derivative) }
    }

    /// The exact GELU and its derivative through libm's `erff`, element by element, as PyTorch
    /// writes them (x·(1 + erf(x/√2))/2): the reference the vector kernels of `gelu()` are tested
    /// against.
    func geluReference() -> (value: Tensor, derivative: Tensor) {
        (ElementwiseKernel.map(self, Operators.GELU()), ElementwiseKernel.map(self, Operators.GELUDerivative()))
    }

    /// Each element limited to `[min, max]`; either bound may be omitted. NaN stays NaN.
    /// Derivative: 1 inside the bounds (inclusive, as PyTorch), 0 outside.
    public func clamp(min lower: Float = -.infinity, max upper: Float = .infinity) -> Tensor {
        precondition(!(lower > upper), "clamp: min \(lower) is greater than max \(upper)")
        let y = ElementwiseKernel.map(self, Operators.Clamp(lower: lower, upper: upper))
        return recordUnary("clamp", y) { g in g * (self .>= lower) * (self .<= upper) }
    }

    /// -1, 0 or 1 by the sign of each element (not differentiable: no gradient flows).
    public func sign() -> Tensor { ElementwiseKernel.map(self, Operators.Sign()) }

    /// Records `derivative` (mapping the result's gradient to this input's) when needed.
    @inline(__always)
    func recordUnary(_ operation: String, _ result: Tensor, _ derivative: @escaping (Tensor) -> Tensor) -> Tensor {
        guard Autograd.shouldRecord(self) else { return result }
        return result.recorded(operation, inputs: [self]) { g in [derivative(g)] }
    }

    /// Runs one of the vectorised C kernels (see CFusionKitKernels) over all elements, split
    /// across cores for large tensors.
    private func vectorMap(_ kernel: (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        withPointer { source in
            result.withFreshPointer { target in
                Parallel.forEachChunk(count: count, minimumChunk: Tuning.parallelArithmeticElements) { range in
                    kernel(source + range.lowerBound, target + range.lowerBound, range.count)
                }
            }
        }
        return result
    }
}
