/// Element-wise comparisons with broadcasting. Each returns a tensor of 1s (true) and 0s (false),
/// usable as a mask: `x * (x .> 0)`.
extension Tensor {
    public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "equal") { $0 == $1 ? 1 : 0 } }
    public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "notEqual") { $0 != $1 ? 1 : 0 } }
    public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "less") { $0 < $1 ? 1 : 0 } }
    public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "lessEqual") { $0 <= $1 ? 1 : 0 } }
    public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "greater") { $0 > $1 ? 1 : 0 } }
    public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "greaterEqual") { $0 >= $1 ? 1 : 0 } }

    public static func .== (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs) { $0 == rhs ? 1 : 0 } }
    public static func .!= (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs) { $0 != rhs ? 1 : 0 } }
    public static func .< (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs) { $0 < rhs ? 1 : 0 } }
    public static func .<= (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs) { $0 <= rhs ? 1 : 0 } }
    public static func .> (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs) { $0 > rhs ? 1 : 0 } }
    public static func .>= (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs) { $0 >= rhs ? 1 : 0 } }

    /// Chooses, element by element, from `a` where `condition` is non-zero and from `b` elsewhere.
    /// All three broadcast together.
    public static func select(where condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let picked = ElementwiseKernel.zip(condition, a, op: "select") { $0 != 0 ? $1 : 0 }
        let mask = ElementwiseKernel.map(condition) { $0 != 0 ? 1 : 0 }
        let other = ElementwiseKernel.zip(mask, b, op: "select") { $0 != 0 ? 0 : $1 }
        return picked + other
    }
}
