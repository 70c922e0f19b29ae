import Foundation

/// A function of one float applied element by element. Kernels are generic over the operator
/// type, so each operator gets its own specialised, vectorised loop (a closure would cost an
/// indirect call per element once the loop is split across threads).
protocol UnaryOperator {
    func callAsFunction(_ x: Float) -> Float
}

/// A function of two floats applied to broadcast pairs of elements.
protocol BinaryOperator {
    func callAsFunction(_ a: Float, _ b: Float) -> Float
}

enum Operators {
    struct Add: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
    struct Subtract: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
    struct Multiply: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
    struct Divide: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
    /// The larger value; NaN wins, as in PyTorch.
    struct Maximum: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { (a > b || a != a) ? a : b } }
    /// The smaller value; NaN wins, as in PyTorch.
    struct Minimum: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { (a < b || a != a) ? a : b } }
    /// a where b > 0, else 0: ReLU's backward from the output gradient a and the output b.
    struct PassWherePositive: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { b > 0 ? a : 0 } }
    struct Power: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { Foundation.pow(a, b) } }
    struct Equal: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a == b ? 1 : 0 } }
    struct NotEqual: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a != b ? 1 : 0 } }
    struct Less: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a < b ? 1 : 0 } }
    struct LessEqual: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a <= b ? 1 : 0 } }
    struct Greater: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a > b ? 1 : 0 } }
    struct GreaterEqual: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a >= b ? 1 : 0 } }
    /// `b` where `a` is non-zero, else 0.
    struct KeepWhereNonZero: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a != 0 ? b : 0 } }
    /// `b` where `a` is zero, else 0.
    struct KeepWhereZero: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a != 0 ? 0 : b } }
    /// The first operand (used to broadcast a tensor to a shape).
    struct First: BinaryOperator { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a } }

    /// A binary operator with its right operand fixed: `x - 2` is `WithRight(Subtract(), 2)`.
    struct WithRight<Op: BinaryOperator>: UnaryOperator {
        let op: Op, value: Float
        init(_ op: Op, _ value: Float) { self.op = op; self.value = value }
        @inline(__always) func callAsFunction(_ x: Float) -> Float { op(x, value) }
    }

    /// A binary operator with its left operand fixed: `2 - x` is `WithLeft(Subtract(), 2)`.
    struct WithLeft<Op: BinaryOperator>: UnaryOperator {
        let op: Op, value: Float
        init(_ op: Op, _ value: Float) { self.op = op; self.value = value }
        @inline(__always) func callAsFunction(_ x: Float) -> Float { op(value, x) }
    }

    struct Negate: UnaryOperator { @inline(__always) func callAsFunction(_ x: Float) -> Float { -x } }
    struct Square: UnaryOperator { @inline(__always) func callAsFunction(_ x: Float) -> Float { x * x } }
    struct SquareRoot: UnaryOperator { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() } }
    struct ReciprocalSquareRoot: UnaryOperator { @inline(__always) func callAsFunction(_ x: Float) -> Float { 1 / x.squareRoot() } }
    struct Reciprocal: UnaryOperator { @inline(__always) func callAsFunction(_ x: Float) -> Float { 1 / x } }
    struct Absolute: UnaryOperator { @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.abs(x) } }
    /// max(x, 0), with NaN kept.
    struct ReLU: UnaryOperator { @inline(__always) func callAsFunction(_ x: Float) -> Float { x < 0 ? 0 : x } }
    struct Sign: UnaryOperator { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : x) } }
    /// A finite value, or 0 for ±inf and NaN.
    struct FiniteOrZero: UnaryOperator { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.isFinite ? x : 0 } }
    struct Clamp: UnaryOperator {
        let lower: Float, upper: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x < lower ? lower : (x > upper ? upper : x) }
    }
    struct ConstantPower: UnaryOperator {
        let exponent: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.pow(x, exponent) }
    }
    /// The exact GELU, x·Φ(x) with Φ through erf.
    struct GELU: UnaryOperator {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { 0.5 * x * (1 + erff(x * 0.70710678118654752)) }
    }
    /// The derivative of the exact GELU: Φ(x) + x·φ(x).
    struct GELUDerivative: UnaryOperator {
        @inline(__always) func callAsFunction(_ x: Float) -> Float {
            0.5 * (1 + erff(x * 0.70710678118654752)) + x * 0.3989422804014327 * Foundation.exp(-0.5 * x * x)
        }
    }
    struct LeakyReLU: UnaryOperator {
        let slope: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x < 0 ? x * slope : x }
    }
    /// The derivative of LeakyReLU: 1 for x > 0, the slope otherwise (PyTorch's convention at 0).
    struct LeakyReLUSlope: UnaryOperator {
        let slope: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? 1 : slope }
    }
    struct LogOnePlus: UnaryOperator {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.log1p(x) }
    }
    /// NaN becomes 0 (for attention rows with every key masked).
    struct NaNToZero: UnaryOperator {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x != x ? 0 : x }
    }
}
