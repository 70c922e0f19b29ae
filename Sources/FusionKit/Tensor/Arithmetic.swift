/// Element-wise arithmetic with NumPy broadcasting: `a + b` works for any two shapes that
/// broadcast, and a `Float` on either side acts as a scalar. Each operator records its backward
/// when an operand requires gradient; gradients of broadcast operands are summed back to their shapes.
extension Tensor {
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = ElementwiseKernel.zip(lhs, rhs, op: "add", Operators.Add())
        guard Autograd.shouldRecord(lhs, rhs) else { return result }
        return result.recorded("add", inputs: [lhs, rhs]) { g in
            [g.reduced(toShape: lhs.shape), g.reduced(toShape: rhs.shape)]
        }
    }

    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = ElementwiseKernel.zip(lhs, rhs, op: "subtract", Operators.Subtract())
        guard Autograd.shouldRecord(lhs, rhs) else { return result }
        return result.recorded("subtract", inputs: [lhs, rhs]) { g in
            [g.reduced(toShape: lhs.shape), (-g).reduced(toShape: rhs.shape)]
        }
    }

    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = ElementwiseKernel.zip(lhs, rhs, op: "multiply", Operators.Multiply())
        guard Autograd.shouldRecord(lhs, rhs) else { return result }
        return result.recorded("multiply", inputs: [lhs, rhs]) { g in
            [lhs.requiresGradient ? (g * rhs).reduced(toShape: lhs.shape) : nil,
             rhs.requiresGradient ? (g * lhs).reduced(toShape: rhs.shape) : nil]
        }
    }

    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = ElementwiseKernel.zip(lhs, rhs, op: "divide", Operators.Divide())
        guard Autograd.shouldRecord(lhs, rhs) else { return result }
        return result.recorded("divide", inputs: [lhs, rhs]) { g in
            let gradientOfLeft = g / rhs
            return [lhs.requiresGradient ? gradientOfLeft.reduced(toShape: lhs.shape) : nil,
                    rhs.requiresGradient ? (-gradientOfLeft * result).reduced(toShape: rhs.shape) : nil]
        }
    }

    public static func + (lhs: Tensor, rhs: Float) -> Tensor {
        let result = ElementwiseKernel.map(lhs, Operators.WithRight(Operators.Add(), rhs))
        guard Autograd.shouldRecord(lhs) else { return result }
        return result.recorded("add", inputs: [lhs]) { g in [g] }
    }

    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs + (-rhs) }

    public static func * (lhs: Tensor, rhs: Float) -> Tensor {
        let result = ElementwiseKernel.map(lhs, Operators.WithRight(Operators.Multiply(), rhs))
        guard Autograd.shouldRecord(lhs) else { return result }
        return result.recorded("multiply", inputs: [lhs]) { g in [g * rhs] }
    }

    public static func / (lhs: Tensor, rhs: Float) -> Tensor {
        let result = ElementwiseKernel.map(lhs, Operators.WithRight(Operators.Divide(), rhs))
        guard Autograd.shouldRecord(lhs) else { return result }
        return result.recorded("divide", inputs: [lhs]) { g in [g / rhs] }
    }

    public static func + (lhs: Float, rhs: Tensor) -> Tensor { rhs + lhs }

    public static func - (lhs: Float, rhs: Tensor) -> Tensor {
        let result = ElementwiseKernel.map(rhs, Operators.WithLeft(Operators.Subtract(), lhs))
        guard Autograd.shouldRecord(rhs) else { return result }
        return result.recorded("subtract", inputs: [rhs]) { g in [-g] }
    }

    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs * lhs }

    public static func / (lhs: Float, rhs: Tensor) -> Tensor {
        let result = ElementwiseKernel.map(rhs, Operators.WithLeft(Operators.Divide(), lhs))
        guard Autograd.shouldRecord(rhs) else { return result }
        return result.recorded("divide", inputs: [rhs]) { g in [-g * result / rhs] }
    }

    /// Negation.
    public static prefix func - (x: Tensor) -> Tensor {
        let result = ElementwiseKernel.map(x, Operators.Negate())
        guard Autograd.shouldRecord(x) else { return result }
        return result.recorded("negate", inputs: [x]) { g in [-g] }
    }

    // In-place forms write into the left operand's own storage; when either side takes part in
    // the graph they fall back to the recorded out-of-place operation.
    public static func += (lhs: inout Tensor, rhs: Tensor) {
        if Autograd.shouldRecord(lhs, rhs) { lhs = lhs + rhs } else { lhs.updateInPlace(with: rhs, op: "add", Operators.Add()) }
    }
    public static func -= (lhs: inout Tensor, rhs: Tensor) {
        if Autograd.shouldRecord(lhs, rhs) { lhs = lhs - rhs } else { lhs.updateInPlace(with: rhs, op: "subtract", Operators.Subtract()) }
    }
    public static func *= (lhs: inout Tensor, rhs: Tensor) {
        if Autograd.shouldRecord(lhs, rhs) { lhs = lhs * rhs } else { lhs.updateInPlace(with: rhs, op: "multiply", Operators.Multiply()) }
    }
    public static func /= (lhs: inout Tensor, rhs: Tensor) {
        if Autograd.shouldRecord(lhs, rhs) { lhs = lhs / rhs } else { lhs.updateInPlace(with: rhs, op: "divide", Operators.Divide()) }
    }
    public static func += (lhs: inout Tensor, rhs: Float) {
        if Autograd.shouldRecord(lhs) { lhs = lhs + rhs } else { lhs.mapInPlace(Operators.WithRight(Operators.Add(), rhs)) }
    }
    public static func -= (lhs: inout Tensor, rhs: Float) {
        if Autograd.shouldRecord(lhs) { lhs = lhs - rhs } else { lhs.mapInPlace(Operators.WithRight(Operators.Subtract(), rhs)) }
    }
    public static func *= (lhs: inout Tensor, rhs: Float) {
        if Autograd.shouldRecord(lhs) { lhs = lhs * rhs } else { lhs.mapInPlace(Operators.WithRight(Operators.Multiply(), rhs)) }
    }
    public static func /= (lhs: inout Tensor, rhs: Float) {
        if Autograd.shouldRecord(lhs) { lhs = lhs / rhs } else { lhs.mapInPlace(Operators.WithRight(Operators.Divide(), rhs)) }
    }

    /// The larger of each pair of elements (broadcasting). NaN wins, as in PyTorch; on ties the
    /// gradient is split evenly between the two, as in PyTorch.
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let result = ElementwiseKernel.zip(a, b, op: "maximum", Operators.Maximum())
        guard Autograd.shouldRecord(a, b) else { return result }
        return result.recorded("maximum", inputs: [a, b]) { g in extremeGradients(g, a, b, aWins: a .> b) }
    }

    /// The smaller of each pair of elements (broadcasting). NaN wins, as in PyTorch; on ties the
    /// gradient is split evenly.
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let result = ElementwiseKernel.zip(a, b, op: "minimum", Operators.Minimum())
        guard Autograd.shouldRecord(a, b) else { return result }
        return result.recorded("minimum", inputs: [a, b]) { g in extremeGradients(g, a, b, aWins: a .< b) }
    }

    private static func extremeGradients(_ g: Tensor, _ a: Tensor, _ b: Tensor, aWins: Tensor) -> [Tensor?] {
        let share = aWins + (a .== b) * 0.5
        return [(g * share).reduced(toShape: a.shape), (g * (1 - share)).reduced(toShape: b.shape)]
    }

    /// Applies `op` element by element, writing into this tensor's own storage when it is not
    /// shared. `rhs` must broadcast to `self`'s shape.
    @inline(__always)
    mutating func updateInPlace<Op: BinaryOperator>(with rhs: Tensor, op name: String, _ op: Op) {
        if rhs.shape == shape || rhs.count == 1 {
            // Read before the scope, which has exclusive access to `self` while it runs.
            let count = self.count, broadcastsScalar = rhs.count == 1 && rhs.shape != shape
            withUnsafeMutablePointer { target in
                rhs.withPointer { source in
                    if broadcastsScalar {
                        let value = source[0]
                        Parallel.forEachChunk(count: count) { range in
                            for i in range { target[i] = op(target[i], value) }
                        }
                    } else {
                        Parallel.forEachChunk(count: count) { range in
                            for i in range { target[i] = op(target[i], source[i]) }
                        }
                    }
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
        let count = self.count  // read before the scope, which has exclusive access to `self`
        withUnsafeMutablePointer { target in
            Parallel.forEachChunk(count: count) { range in
                for i in range { target[i] = op(target[i]) }
            }
        }
    }
}
