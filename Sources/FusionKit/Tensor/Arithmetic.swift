/// Element-wise arithmetic with NumPy broadcasting: `a + b` works for any two shapes that
/// broadcast, and a `Float` on either side acts as a scalar.
extension Tensor {
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "add") { $0 + $1 } }
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "subtract") { $0 - $1 } }
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "multiply") { $0 * $1 } }
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { ElementwiseKernel.zip(lhs, rhs, op: "divide") { $0 / $1 } }

    public static func + (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs) { $0 + rhs } }
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs) { $0 - rhs } }
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs) { $0 * rhs } }
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { ElementwiseKernel.map(lhs) { $0 / rhs } }
    public static func + (lhs: Float, rhs: Tensor) -> Tensor { ElementwiseKernel.map(rhs) { lhs + $0 } }
    public static func - (lhs: Float, rhs: Tensor) -> Tensor { ElementwiseKernel.map(rhs) { lhs - $0 } }
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { ElementwiseKernel.map(rhs) { lhs * $0 } }
    public static func / (lhs: Float, rhs: Tensor) -> Tensor { ElementwiseKernel.map(rhs) { lhs / $0 } }

    /// Negation.
    public static prefix func - (x: Tensor) -> Tensor { ElementwiseKernel.map(x) { -$0 } }

    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs.updateInPlace(with: rhs, op: "add") { $0 + $1 } }
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs.updateInPlace(with: rhs, op: "subtract") { $0 - $1 } }
    public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs.updateInPlace(with: rhs, op: "multiply") { $0 * $1 } }
    public static func /= (lhs: inout Tensor, rhs: Tensor) { lhs.updateInPlace(with: rhs, op: "divide") { $0 / $1 } }
    public static func += (lhs: inout Tensor, rhs: Float) { lhs.mapInPlace { $0 + rhs } }
    public static func -= (lhs: inout Tensor, rhs: Float) { lhs.mapInPlace { $0 - rhs } }
    public static func *= (lhs: inout Tensor, rhs: Float) { lhs.mapInPlace { $0 * rhs } }
    public static func /= (lhs: inout Tensor, rhs: Float) { lhs.mapInPlace { $0 / rhs } }

    /// The larger of each pair of elements (broadcasting). NaN wins, as in PyTorch.
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        ElementwiseKernel.zip(a, b, op: "maximum") { ($0 > $1 || $0.isNaN) ? $0 : $1 }
    }

    /// The smaller of each pair of elements (broadcasting). NaN wins, as in PyTorch.
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        ElementwiseKernel.zip(a, b, op: "minimum") { ($0 < $1 || $0.isNaN) ? $0 : $1 }
    }

    /// Applies `op` element by element, writing into this tensor's own storage when it is not
    /// shared. `rhs` must broadcast to `self`'s shape.
    @inline(__always)
    mutating func updateInPlace(with rhs: Tensor, op name: String, _ op: (Float, Float) -> Float) {
        if rhs.shape == shape || rhs.count == 1 {
            makeUnique()
            let target = storage.pointer, source = rhs.pointer, n = count
            if rhs.count == 1 && rhs.shape != shape {
                let value = source[0]
                for i in 0..<n { target[i] = op(target[i], value) }
            } else {
                for i in 0..<n { target[i] = op(target[i], source[i]) }
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
    mutating func mapInPlace(_ op: (Float) -> Float) {
        makeUnique()
        let target = storage.pointer
        for i in 0..<count { target[i] = op(target[i]) }
    }
}
