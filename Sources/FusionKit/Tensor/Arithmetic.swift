/// Element-wise arithmetic with NumPy broadcasting: `a + b` works for any two shapes that
/// broadcast, and a `Float` on either side acts as a scalar.
extension Tensor {
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "add", Operators.Add()) }
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "subtract", Operators.Subtract()) }
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "multiply", Operators.Multiply()) }
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "divide", Operators.Divide()) }

    public static func + (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs, Operators.WithRight(Operators.Add(), rhs)) }
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs, Operators.WithRight(Operators.Subtract(), rhs)) }
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs, Operators.WithRight(Operators.Multiply(), rhs)) }
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs, Operators.WithRight(Operators.Divide(), rhs)) }
    public static func + (lhs: Float, rhs: Tensor) -> Tensor { ElementwiseKernel.map(rhs, Operators.WithLeft(Operators.Add(), lhs)) }
    public static func - (lhs: Float, rhs: Tensor) -> Tensor { ElementwiseKernel.map(rhs, Operators.WithLeft(Operators.Subtract(), lhs)) }
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { ElementwiseKernel.map(rhs, Operators.WithLeft(Operators.Multiply(), lhs)) }
    public static func / (lhs: Float, rhs: Tensor) -> Tensor { ElementwiseKernel.map(rhs, Operators.WithLeft(Operators.Divide(), lhs)) }

    /// Negation.
    public static prefix func - (x: Tensor) -> Tensor { ElementwiseKernel.map(x, Operators.Negate()) }

    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs.updateInPlace(with: rhs, op: "add", Operators.Add()) }
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs.updateInPlace(with: rhs, op: "subtract", Operators.Subtract()) }
    public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs.updateInPlace(with: rhs, op: "multiply", Operators.Multiply()) }
    public static func /= (lhs: inout Tensor, rhs: Tensor) { lhs.updateInPlace(with: rhs, op: "divide", Operators.Divide()) }
    public static func += (lhs: inout Tensor, rhs: Float) { lhs.mapInPlace(Operators.WithRight(Operators.Add(), rhs)) }
    public static func -= (lhs: inout Tensor, rhs: Float) { lhs.mapInPlace(Operators.WithRight(Operators.Subtract(), rhs)) }
    public static func *= (lhs: inout Tensor, rhs: Float) { lhs.mapInPlace(Operators.WithRight(Operators.Multiply(), rhs)) }
    public static func /= (lhs: inout Tensor, rhs: Float) { lhs.mapInPlace(Operators.WithRight(Operators.Divide(), rhs)) }

    /// The larger of each pair of elements (broadcasting). NaN wins, as in PyTorch.
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        ElementwiseKernel.zip(a, b, op: "maximum", Operators.Maximum())
    }

    /// The smaller of each pair of elements (broadcasting). NaN wins, as in PyTorch.
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        ElementwiseKernel.zip(a, b, op: "minimum", Operators.Minimum())
    }

    /// Applies `op` element by element, writing into this tensor's own storage when it is not
    /// shared. `rhs` must broadcast to `self`'s shape.
    @inline(__always)
    mutating func updateInPlace<Op: BinaryOperator>(with rhs: Tensor, op name: String, _ op: Op) {
        if rhs.shape == shape || rhs.count == 1 {
            makeUnique()
            let target = storage.pointer, source = rhs.pointer
            if rhs.count == 1 && rhs.shape != shape {
                let value = source[0]
                Parallel.forEachChunk(count: count) { range in
                    for i in range { target[i] = op(target[i], value) }
                }
            } else {
                Parallel.forEachChunk(count: count) { range in
                    for i in range { target[i] = op(target[i], source[i]) }
                }
            }
            return
        }
        let result = ElementwiseKernel.zip(self, rhs, op: name, op)
        precondition(result.shape == shape,
                     "\(name) (in place): shape \(rhs.shape) does not broadcast to \(shape)")
        self = result
    }

    /// Replaces every element `x` by `op(x)`, in place when the storage is not shared.
    @inline(__always)
    mutating func mapInPlace<Op: UnaryOperator>(_ op: Op) {
        makeUnique()
        let target = storage.pointer
        Parallel.forEachChunk(count: count) { range in
            for i in range { target[i] = op(target[i]) }
        }
    }
}
