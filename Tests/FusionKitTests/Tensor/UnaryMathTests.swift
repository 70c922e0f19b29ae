@testable import FusionKit
import Foundation
import Testing

@Suite("Unary math against libm", .serialized)
struct UnaryMathTests {
    static var instructionSets: [VectorKernels.InstructionSet] { VectorKernels.InstructionSet.runnable }

    /// Inputs spanning tiny, ordinary, large and special values; 37 of them so the 16-lane
    /// kernels also run their tail path.
    static let inputs: [Float] = [
        0, -0.0, 1e-30, -1e-30, 1e-7, -3e-5, 0.01, -0.4, 0.5, -0.624, 0.626, 0.9, 1, -1.5, 2.5, -3,
        5, -7.5, 10, 15, -20, 30, -40, 60, 80, 88.5, -87, -95, -103, 100, -100, 1e10, -1e10,
        .infinity, -.infinity, .nan, 3.3,
    ]

    func check(_ name: String, _ actual: Tensor, _ expected: (Float) -> Float, input: [Float],
               relative: Float = 4e-7, absolute: Float = 1e-37) {
        for (x, y) in zip(input, actual.scalars) {
            let want = expected(x)
            if want.isNaN {
                #expect(y.isNaN, "\(name)(\(x)) = \(y), expected NaN")
            } else if want.isInfinite {
                #expect(y == want, "\(name)(\(x)) = \(y), expected \(want)")
            } else {
                #expect(abs(y - want) <= absolute + relative * abs(want), "\(name)(\(x)) = \(y), expected \(want)")
            }
        }
    }

    @Test("exp and log on every instruction set", arguments: instructionSets)
    func exponentialAndLogarithm(instructionSet: VectorKernels.InstructionSet) {
        VectorKernels.limitInstructionSet(to: instructionSet)
        defer { VectorKernels.limitInstructionSet(to: nil) }
        #expect(VectorKernels.instructionSet == instructionSet)
        let x = Tensor(Self.inputs)
        check("exp", x.exp(), { Foundation.exp($0) }, input: Self.inputs, relative: 4e-7, absolute: 2e-44)
        let positive = Self.inputs.map { Swift.abs($0) } + [1.2e-38, 5e-40, 3e38, 0.7071, 1.4142]
        check("log", Tensor(positive).log(), { Foundation.log($0) }, input: positive, relative: 3e-7)
        check("log", Tensor([-1, -0.5]).log(), { Foundation.log($0) }, input: [-1, -0.5])
    }

    @Test("add and multiply of equal shapes on every instruction set: each element the one sum or product",
          arguments: instructionSets)
    func addAndMultiply(instructionSet: VectorKernels.InstructionSet) {
        VectorKernels.limitInstructionSet(to: instructionSet)
        defer { VectorKernels.limitInstructionSet(to: nil) }
        // 37 + 37·3 elements: the 16-lane loops run their tails; special values meet each other.
        let a = Self.inputs + Self.inputs.reversed() + Self.inputs.map { $0 * 0.5 } + Self.inputs.map { -$0 }
        let b = Self.inputs.map { $0 * 3 } + Self.inputs + Self.inputs.reversed() + Self.inputs
        let (x, y) = (Tensor(a), Tensor(b))
        for (name, actual, expected) in [("add", x + y, zip(a, b).map { $0 + $1 }), ("multiply", x * y, zip(a, b).map { $0 * $1 })] {
            let same = zip(actual.scalars, expected).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
            #expect(same, "\(name) on \(instructionSet) differs from the scalar result")
        }
    }

    @Test("tanh, sigmoid and activations on every instruction set", arguments: instructionSets)
    func hyperbolicAndActivations(instructionSet: VectorKernels.InstructionSet) {
        VectorKernels.limitInstructionSet(to: instructionSet)
        defer { VectorKernels.limitInstructionSet(to: nil) }
        let x = Tensor(Self.inputs)
        check("tanh", x.tanh(), { Foundation.tanh($0) }, input: Self.inputs, relative: 6e-7)
        check("sigmoid", x.sigmoid(), { 1 / (1 + Foundation.exp(-$0)) }, input: Self.inputs, relative: 6e-7, absolute: 2e-44)
        check("relu", x.relu(), { $0.isNaN ? $0 : max($0, 0) }, input: Self.inputs, relative: 0, absolute: 0)
        // GELU against x·Φ(x) in double precision, with Φ through erfc so that the negative tail
        // (gelu(−7.5) ≈ −2.4e-13) is exact too; the derivative Φ(x) + x·φ(x) likewise.
        let finiteInputs = Self.inputs.filter { !$0.isInfinite } + [-5, -9.2, -13, 0.3, -0.3, 1e-3, 4]
        func normalCDF(_ x: Float) -> Double { 0.5 * Foundation.erfc(-Double(x) / 2.0.squareRoot()) }
        check("gelu", Tensor(finiteInputs).gelu(), { Float(Double($0) * normalCDF($0)) },
              input: finiteInputs, relative: 4e-6, absolute: 1e-40)
        let input = Tensor(finiteInputs).requiringGradient()
        input.gelu().sum().backward()
        check("gelu'", input.gradient!, { x in
            Float(normalCDF(x) + Double(x) * Foundation.exp(-0.5 * Double(x) * Double(x)) / (2 * Double.pi).squareRoot())
        }, input: finiteInputs, relative: 2e-6, absolute: 1e-7)
        // The element-by-element reference path (libm's erff, PyTorch's formula) agrees wherever
        // its 1 + erf does not cancel.
        let moderate = Tensor(finiteInputs.filter { abs($0) < 4 })
        let (value, derivative) = moderate.geluReference()
        #expect(isClose(moderate.gelu(), value, relative: 1e-6, absolute: 1e-7))
        let leaf = moderate.requiringGradient()
        leaf.gelu().sum().backward()
        #expect(isClose(leaf.gradient!, derivative, relative: 2e-6, absolute: 1e-7))
        let finite = Self.inputs.filter { $0.isFinite && Swift.abs($0) < 50 }
        check("gelu(tanh)", Tensor(finite).gelu(approximate: true),
              { 0.5 * $0 * (1 + Foundation.tanh(0.7978845608 * ($0 + 0.044715 * $0 * $0 * $0))) },
              input: finite, relative: 2e-6, absolute: 1e-7)
    }

    @Test func powersRootsAndClamp() {
        let x = Tensor([0.25, 1, 4, 9, 2.5])
        check("sqrt", x.sqrt(), { $0.squareRoot() }, input: x.scalars)
        check("rsqrt", x.rsqrt(), { 1 / $0.squareRoot() }, input: x.scalars)
        for p: Float in [2, 1, 0.5, 0, -1, -0.5, 3, 1.7] {
            check("pow \(p)", x.pow(p), { Foundation.pow($0, p) }, input: x.scalars, relative: 1e-6)
        }
        #expect(isClose(x.pow(Tensor([2])), x.square()))
        #expect(Tensor([-2, 3]).abs().scalars == [2, 3])
        #expect(Tensor([-2, 0, 3]).sign().scalars == [-1, 0, 1])
        #expect(Tensor([-2, 0.5, 3]).clamp(min: 0, max: 1).scalars == [0, 0.5, 1])
        #expect(Tensor([-2, 0.5, 3]).clamp(max: 1).scalars == [-2, 0.5, 1])
        #expect(Tensor([Float.nan]).clamp(min: 0, max: 1).scalars[0].isNaN)
    }
}
