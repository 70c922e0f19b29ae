/// Checks hand-written backward functions against central finite differences.
///
/// The function's output is reduced to a scalar with fixed random weights, L = Σ f(x)·w, so that
/// every output element takes part. For each input element, the derivative from `backward()` is
/// compared with (L(x + h) − L(x − h)) / 2h, computed with the sums in double precision.
///
/// ```swift
/// let failures = GradientCheck.check([x, w]) { inputs in inputs[0].matmul(inputs[1]).tanh() }
/// #expect(failures.isEmpty)
/// ```
public enum GradientCheck {
    /// One element whose analytic and numeric derivatives disagree.
    public struct Mismatch: CustomStringConvertible, Sendable {
        /// Which input (position in the `inputs` array) and which element (row-major index).
        public var input: Int
        public var element: Int
        /// The derivative from `backward()` and the one from finite differences.
        public var analytic: Float
        public var numeric: Float

        public var description: String {
            "input \(input), element \(element): backward gives \(analytic), finite differences give \(numeric)"
        }
    }

    /// Compares `backward()` of `function` at `inputs` with finite differences and returns the
    /// elements that disagree by more than `absoluteTolerance + relativeTolerance·|numeric|`
    /// (empty when the backward is right). Inputs must keep a distance larger than `step` from
    /// points where the function is not differentiable (kinks of relu, abs, max, …).
    ///
    /// With `parameters`, each of them is checked too: its elements are moved by ±step in place
    /// (`Parameter.update`) and compared with the gradient `backward()` leaves in it; their
    /// mismatches are numbered after the inputs (input index `inputs.count + k` for parameter k).
    /// This is how a module's own weights are checked: `check([x], parameters: layer.parameters()) { layer($0[0]) }`.
    public static func check(_ inputs: [Tensor], parameters: [Parameter] = [], step: Float = 1e-3,
                             relativeTolerance: Float = 1e-2, absoluteTolerance: Float = 1e-3, seed: UInt64 = 1,
                             _ function: ([Tensor]) -> Tensor) -> [Mismatch] {
        let constants = inputs.map { $0.detached() }
        let leaves = constants.map { $0.requiringGradient() }
        for parameter in parameters { parameter.zeroGradient() }
        let output = function(leaves)
        var generator = RandomGenerator(seed: seed)
        let weights = Tensor.randomNormal(output.shape, generator: &generator)
        guard output.requiresGradient else {
            preconditionFailure("GradientCheck: the function's output does not depend on its inputs through recorded operations")
        }
        output.backward(weights)

        func loss(_ values: [Tensor]) -> Double {
            let result = withoutGradient { function(values) }
            var total = 0.0
            for (value, weight) in zip(result.scalars, weights.scalars) { total += Double(value) * Double(weight) }
            return total
        }
        func compare(_ analytic: Float, _ plus: Double, _ minus: Double, input: Int, element: Int, into mismatches: inout [Mismatch]) {
            let numeric = Float((plus - minus) / (2 * Double(step)))
            if !(Swift.abs(analytic - numeric) <= absoluteTolerance + relativeTolerance * Swift.abs(numeric)) {
                mismatches.append(Mismatch(input: input, element: element, analytic: analytic, numeric: numeric))
            }
        }

        var mismatches: [Mismatch] = []
        for (index, leaf) in leaves.enumerated() {
            let analytic = leaf.gradient?.scalars ?? [Float](repeating: 0, count: leaf.count)
            for element in 0..<leaf.count {
                var values = constants
                let original = values[index].scalars[element]
                values[index].withUnsafeMutableBufferPointer { $0[element] = original + step }
                let plus = loss(values)
                values[index].withUnsafeMutableBufferPointer { $0[element] = original - step }
                compare(analytic[element], plus, loss(values), input: index, element: element, into: &mismatches)
            }
        }
        for (index, parameter) in parameters.enumerated() {
            let analytic = parameter.gradient?.scalars ?? [Float](repeating: 0, count: parameter.value.count)
            for element in 0..<parameter.value.count {
                let original = parameter.value.scalars[element]
                func set(_ value: Float) { parameter.update { $0.withUnsafeMutableBufferPointer { $0[element] = value } } }
                set(original + step)
                let plus = loss(constants)
                set(original - step)
                let minus = loss(constants)
                set(original)
                compare(analytic[element], plus, minus, input: leaves.count + index, element: element, into: &mismatches)
            }
        }
        return mismatches
    }
}
