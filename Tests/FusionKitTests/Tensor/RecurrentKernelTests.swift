import FusionKit
import Testing

/// The GRU's fused step kernels (fk_gru_forward / fk_gru_backward) and the column sums of its
/// bias gradients (fk_add_column_sums) on every instruction set this CPU runs, against the GRU
/// written out step by step in public tensor ops. 23 hidden units: 69 gate columns, so the
/// kernels run their vector bodies (8 and 16 floats), their tails and the 64-column blocks.
@Suite("GRU step kernels on every instruction set", .serialized)
struct RecurrentKernelTests {
    static var instructionSets: [VectorKernels.InstructionSet] { VectorKernels.InstructionSet.runnable }

    static let (batch, time, inputSize, hidden) = (3, 4, 5, 23)

    /// torch.nn.GRU's equations one step at a time, from matmul, sigmoid and tanh.
    static func composed(_ x: Tensor, _ w: [Tensor]) -> Tensor {
        let n = hidden
        var h = Tensor.zeros([batch, n])
        var outputs: [Tensor] = []
        for t in 0..<time {
            let step = x.slice(t..<(t + 1), alongAxis: 1).reshaped([batch, inputSize])
            let input = step.matmul(w[0], transposeB: true) + w[2]
            let recurrent = h.matmul(w[1], transposeB: true) + w[3]
            func part(_ g: Tensor, _ k: Int) -> Tensor { g.slice((k * n)..<((k + 1) * n), alongAxis: 1) }
            let reset = (part(input, 0) + part(recurrent, 0)).sigmoid()
            let update = (part(input, 1) + part(recurrent, 1)).sigmoid()
            let candidate = (part(input, 2) + reset * part(recurrent, 2)).tanh()
            h = (1 - update) * candidate + update * h
            outputs.append(h)
        }
        return Tensor.stack(outputs, alongAxis: 1)
    }

    @Test("outputs and every gradient match the step-by-step composition", arguments: instructionSets)
    func matchesComposition(instructionSet: VectorKernels.InstructionSet) {
        VectorKernels.limitInstructionSet(to: instructionSet)
        defer { VectorKernels.limitInstructionSet(to: nil) }
        let rows = 3 * Self.hidden
        let shapes = [[rows, Self.inputSize], [rows, Self.hidden], [rows], [rows]]
        let weights = shapes.enumerated().map { random($1, seed: 40 + UInt64($0)) * 0.6 }
        let x = random([Self.batch, Self.time, Self.inputSize], seed: 50)
        let upstream = random([Self.batch, Self.time, Self.hidden], seed: 51)

        func run(_ body: ([Tensor]) -> Tensor) -> [Tensor] {
            let inputs = ([x] + weights).map { $0.requiringGradient() }
            let output = body(inputs)
            output.backward(upstream)
            return [output] + inputs.map { $0.gradient ?? Tensor(0) }
        }
        let fused = run { v in
            v[0].gru(inputWeight: v[1], hiddenWeight: v[2], inputBias: v[3], hiddenBias: v[4]).output
        }
        let expected = run { v in Self.composed(v[0], Array(v[1...])) }
        for (name, (actual, want)) in zip(["output", "dX", "dW_ih", "dW_hh", "db_ih", "db_hh"], zip(fused, expected)) {
            #expect(isClose(actual, want, relative: 1e-4, absolute: 1e-5),
                    "\(instructionSet) \(name): max difference \(maxDifference(actual, want))")
        }
    }
}
