/// Element-wise comparisons with broadcasting. Each returns a tensor of 1s (true) and 0s (false),
/// usable as a mask: `x * (x .> 0)`.
extension Tensor {
    public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "equal", Operators.Equal()) }
    public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "notEqual", Operators.NotEqual()) }
    public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "less", Operators.Less()) }
    public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "lessEqual", Operators.LessEqual()) }
    public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "greater", Operators.Greater()) }
    public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "greaterEqual", Operators.GreaterEqual()) }

    public static func .== (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs, Operators.WithRight(Operators.Equal(), rhs)) }
    public static func .!= (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs, Operators.WithRight(Operators.NotEqual(), rhs)) }
    public static func .< (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs, Operators.WithRight(Operators.Less(), rhs)) }
    public static func .<= (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs, Operators.WithRight(Operators.LessEqual(), rhs)) }
    public static func .> (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs, Operators.WithRight(Operators.Greater(), rhs)) }
    public static func .>= (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs, Operators.WithRight(Operators.GreaterEqual(), rhs)) }

    /// Chooses, element by element, from `a` where `condition` is non-zero and from `b` elsewhere.
    /// All three broadcast together. Gradients flow to `a` and `b` where each was chosen.
    public static func select(where condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let picked = ElementwiseKernel.zip(condition, a, op: "select", Operators.KeepWhereNonZero())
        let other = ElementwiseKernel.zip(condition, b, op: "select", Operators.KeepWhereZero())
        let result = withoutGradient { picked + other }
        guard Autograd.shouldRecord(a, b) else { return result }
        return result.recorded("select", inputs: [a, b]) { g in
            [ElementwiseKernel.zip(condition, g, op: "select", Operators.KeepWhereNonZero()).reduced(toShape: a.shape),
             ElementwiseKernel.zip(condition, g, op: "select", Operators.KeepWhereZero()).reduced(toShape: b.shape)]
        }
    }
}
