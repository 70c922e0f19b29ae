import COpenBLAS

/// The sequence loop shared by the GRU and LSTM operations (RecurrentCells.swift): one direction
/// of one layer over a batch-first sequence, forward and backward through time, as one graph node.
///
/// Forward: the input projection of every time step, X·W_ihᵀ + b_ih, then at each step one small
/// GEMM h·W_hhᵀ and the cell's gate arithmetic over raw pointers (`RecurrentGates`). The GRU's
/// step is one C loop per direction of travel (`fk_gru_forward`, `fk_gru_backward`), compiled
/// for AVX2 and AVX-512 with sigmoid and tanh inlined; against the same arithmetic in Swift
/// (SSE, four floats at a time, sigmoid and tanh as separate kernel calls) it is faster
/// (Docs/Benchmarks.md, "OpenBLAS's idle spin, the GRU step in C, encoders side by side"). The
/// LSTM calls the sigmoid and tanh kernels of CFusionKitKernels, always from one buffer into
/// another: in place the vectorised loop's overlap check would send them to the scalar loop.
/// The forward keeps the
/// gate activations, the state before each position and what the cell saves (GRU: W_hn h + b_hn;
/// LSTM: c_prev and tanh c).
///
/// Backward, steps in reverse: the cell turns dh (and dc) into the gradients of the gate
/// pre-activations, and dh_prev = dGates_hh·W_hh + (the cell's direct term) is one small GEMM.
/// After the loop, dX = dGates_ih·W_ih, dW_ih = Σ_t dGates_ih(t)ᵀ·X(t) and
/// dW_hh = Σ_t dGates_hh(t)ᵀ·H_prev(t) are one GEMM per position each (partial weight gradients,
/// added at the end), and the bias gradients are column sums.
///
/// Both passes share the batch out among the cores (`BLAS.parallelChunks`): each core projects,
/// runs every step and forms the weight gradients for its own elements, with single-threaded
/// GEMMs, rather than each step being a GEMM on OpenBLAS's threads followed by the gate loop on
/// one core (Docs/Benchmarks.md, "PyTorch with its own thread defaults").
///
/// The buffers the steps walk (gates, saved values, previous states and their gradients) are
/// time-major, [time, batch, …], so a step reads and writes each core's rows in order. Laid out
/// [batch, time, …], one element's rows were time·width floats (12 KB for the VQA GRU) from the
/// next, and the backward's gate arithmetic was bound by cache misses.
///
/// Variable lengths: element b is active at position t when t < lengths[b]. An inactive position
/// outputs zeros and leaves the state alone, so the reverse direction starts at position
/// lengths[b] − 1 and the final state is the one after the last valid position, as with
/// PyTorch's packed sequences.
protocol RecurrentGates {
    /// Gates per hidden unit: 3 for GRU (r, z, n), 4 for LSTM (i, f, g, o).
    static var gateCount: Int { get }
    /// Whether the cell carries a memory cell c beside the hidden state h.
    static var hasCellState: Bool { get }
    /// Floats per hidden unit the forward saves for the backward beside the gates.
    static var savedCount: Int { get }
    /// Whether the gradient of the recurrent pre-activations (W_hh h + b_hh) differs from that of
    /// the input ones (W_ih x + b_ih); true for GRU, whose n gate multiplies W_hn h + b_hn by r.
    static var hasSeparateHiddenGradient: Bool { get }

    /// One element, one step. On entry `gates` holds W_ih x + b_ih and `recurrent` W_hh h (no
    /// bias); on exit `gates` holds the activations, `hidden` (and `cell`) the new state, and
    /// `saved` what the backward needs. `recurrent` may be overwritten (scratch).
    static func forward(hiddenSize: Int, gates: UnsafeMutablePointer<Float>, recurrent: UnsafeMutablePointer<Float>,
                        hiddenBias: UnsafePointer<Float>, hidden: UnsafeMutablePointer<Float>,
                        cell: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>)

    /// One element, one step back. On entry `hiddenGradient` holds dL/dh of this step's output
    /// state and `cellGradient` dL/dc; on exit they hold the parts of dL/dh_prev that do not pass
    /// through W_hh, and dL/dc_prev. Writes the gradients of the input and recurrent
    /// pre-activations (the same buffer when `hasSeparateHiddenGradient` is false).
    static func backward(hiddenSize: Int, gates: UnsafePointer<Float>, saved: UnsafePointer<Float>,
                         previousHidden: UnsafePointer<Float>, hiddenGradient: UnsafeMutablePointer<Float>,
                         cellGradient: UnsafeMutablePointer<Float>, inputGateGradient: UnsafeMutablePointer<Float>,
                         hiddenGateGradient: UnsafeMutablePointer<Float>)
}

enum RecurrentKernels {
    /// Runs one direction of a recurrent layer. The result is [batch, time + s, hidden]: rows
    /// 0..<time are the outputs, row time the final h and (LSTM) row time + 1 the final c.
    static func sequence<Gates: RecurrentGates>(
        _ gatesType: Gates.Type, operation: String, input x: Tensor, inputWeight: Tensor, hiddenWeight: Tensor,
        inputBias: Tensor?, hiddenBias: Tensor?, initialHidden: Tensor?, initialCell: Tensor?,
        lengths: [Int]?, reverse: Bool
    ) -> Tensor {
        let g = Gates.gateCount
        precondition(x.rank == 3, "\(operation): input must be [batch, time, features], got shape \(x.shape)")
        let (batch, time, inputSize) = (x.shape[0], x.shape[1], x.shape[2])
        precondition(inputWeight.rank == 2 && inputWeight.shape[0] % g == 0 && inputWeight.shape[0] > 0
                     && inputWeight.shape[1] == inputSize,
                     "\(operation): input weight of shape \(inputWeight.shape) does not fit input of shape \(x.shape)")
        let hidden = inputWeight.shape[0] / g, width = g * hidden
        precondition(hiddenWeight.shape == [width, hidden],
                     "\(operation): hidden weight of shape \(hiddenWeight.shape), expected \([width, hidden])")
        for bias in [inputBias, hiddenBias].compactMap({ $0 }) {
            precondition(bias.shape == [width], "\(operation): bias of shape \(bias.shape), expected \([width])")
        }
        for state in [initialHidden, initialCell].compactMap({ $0 }) {
            precondition(state.shape == [batch, hidden],
                         "\(operation): initial state of shape \(state.shape), expected \([batch, hidden])")
        }
        precondition(time > 0, "\(operation): the sequence has no time steps (input shape \(x.shape))")
        let lengths = lengths ?? Array(repeating: time, count: batch)
        precondition(lengths.count == batch && lengths.allSatisfy { (1...time).contains($0) },
                     "\(operation): lengths \(lengths) must give one length in 1...\(time) per batch element (\(batch))")
        let stateRows = Gates.hasCellState ? 2 : 1, saving = Gates.savedCount * hidden

        // What the steps read and write is laid out time-major, [time, batch, …], with the
        // elements in `SequenceOrder`: at each step a core walks its share's rows in order, and
        // those of the elements still running come first. The inputs are copied into that
        // layout; each core projects its own, X·W_ihᵀ + b_ih, one GEMM per position.
        let order = SequenceOrder(lengths: lengths, shares: BLAS.parallelShares(count: batch))
        let inputsInOrder = Tensor(uninitializedShape: [time, batch, inputSize])
        let gates = Tensor(uninitializedShape: [time, batch, width])
        let saved = Tensor(uninitializedShape: [time, batch, Swift.max(saving, 1)])
        let previous = Tensor(uninitializedShape: [time, batch, hidden])  // h before each position
        let result = Tensor(uninitializedShape: [batch, time + stateRows, hidden])
        let state = startState(initialHidden, order: order, hidden: hidden)
        let cell = startState(initialCell, order: order, hidden: hidden)
        let recurrent = Tensor(uninitializedShape: [batch, width])
        let biasOfHidden = hiddenBias ?? Tensor.zeros([width])
        let rowsOut = (time + stateRows) * hidden
        // The weights as [in, width] and [hidden, width], copied once per sequence: each step's
        // products are then X·W (rows of B contiguous, read in place by the GEMM kernel for the
        // few rows of a step) instead of X·Wᵀ, which would gather Wᵀ into strips at every step.
        let (inputColumns, hiddenColumns) = withoutGradient { (inputWeight.transposed(), hiddenWeight.transposed()) }
        // Every tensor written below was created above for this pass (`startState` copies).
        withPointers(x, inputColumns, hiddenColumns, biasOfHidden) { source, inputColumnsPointer, hiddenColumnsPointer, hiddenBiasPointer in
            withFreshPointers(inputsInOrder, gates, saved) { xs, gatePointer, savedPointer in
                withFreshPointers(previous, result, recurrent) { previousPointer, out, recurrentPointer in
                    withFreshPointers(state, cell) { h, c in inputBias.withPointer { inputBiasPointer in
                        // The batch elements never meet, so each core runs the whole sequence for its
                        // share of them, with single-threaded GEMMs: one fork and join per sequence
                        // instead of a multi-threaded GEMM and a single-threaded gate loop at every step.
                        BLAS.parallelChunks(count: batch) { positions in
                            let first = positions.lowerBound
                            for t in 0..<time {
                                for p in positions {
                                    (xs + (t * batch + p) * inputSize).update(from: source + (order.element[p] * time + t) * inputSize,
                                                                              count: inputSize)
                                }
                                let active = order.activeEnd(of: positions, at: t) - first
                                guard active > 0 else { continue }
                                let projected = gatePointer + (t * batch + first) * width
                                fillRows(projected, rows: active, with: inputBiasPointer, width: width)
                                Tensor.gemm(xs + (t * batch + first) * inputSize, inputColumnsPointer, projected, m: active, n: width,
                                            k: inputSize, transposeA: false, transposeB: false, beta: 1)
                            }
                            for step in 0..<time {
                                let t = reverse ? time - 1 - step : step
                                (previousPointer + (t * batch + first) * hidden).update(from: h + first * hidden,
                                                                                        count: positions.count * hidden)
                                let end = order.activeEnd(of: positions, at: t), active = end - first
                                if step == 0 && initialHidden == nil {
                                    (recurrentPointer + first * width).update(repeating: 0, count: active * width)
                                } else if active > 0 {
                                    Tensor.gemm(h + first * hidden, hiddenColumnsPointer, recurrentPointer + first * width,
                                                m: active, n: width, k: hidden, transposeA: false, transposeB: false)
                                }
                                for p in positions {
                                    let output = out + order.element[p] * rowsOut + t * hidden
                                    guard p < end && t < order.length[p] else {
                                        output.update(repeating: 0, count: hidden)
                                        continue
                                    }
                                    let row = t * batch + p
                                    Gates.forward(hiddenSize: hidden, gates: gatePointer + row * width,
                                                  recurrent: recurrentPointer + p * width, hiddenBias: hiddenBiasPointer, hidden: h + p * hidden,
                                                  cell: c + p * hidden, saved: savedPointer + row * saving)
                                    output.update(from: h + p * hidden, count: hidden)
                                }
                            }
                        }
                        for p in 0..<batch {
                            let b = order.element[p]
                            (out + b * rowsOut + time * hidden).update(from: h + p * hidden, count: hidden)
                            if Gates.hasCellState { (out + b * rowsOut + (time + 1) * hidden).update(from: c + p * hidden, count: hidden) }
                        }
                    } }
                }
            }
        }

        let inputs = [x, inputWeight, hiddenWeight, inputBias, hiddenBias, initialHidden, initialCell]
        guard Autograd.shouldRecord(inputs.compactMap { $0 }) else { return result }
        let shape = Shapes(batch: batch, time: time, inputSize: inputSize, hidden: hidden, width: width,
                           stateRows: stateRows, saving: saving)
        return result.recorded(operation, optionalInputs: inputs) { gradient in
            backward(Gates.self, gradient, shape: shape, order: order, reverse: reverse, inputs: inputs,
                     inputsInOrder: inputsInOrder, gates: gates, saved: saved, previous: previous)
        }
    }

    /// The sizes one pass works with.
    struct Shapes {
        let batch, time, inputSize, hidden, width, stateRows, saving: Int
    }

    /// The gradients of the inputs [x, W_ih, W_hh, b_ih, b_hh, h0, c0] of `sequence`.
    private static func backward<Gates: RecurrentGates>(
        _ gatesType: Gates.Type, _ gradient: Tensor, shape: Shapes, order: SequenceOrder, reverse: Bool,
        inputs: [Tensor?], inputsInOrder: Tensor, gates: Tensor, saved: Tensor, previous: Tensor
    ) -> [Tensor?] {
        let (batch, time, hidden, width, saving) = (shape.batch, shape.time, shape.hidden, shape.width, shape.saving)
        let (x, inputWeight, hiddenWeight) = (inputs[0]!, inputs[1]!, inputs[2]!)
        // The optional inputs (biases, initial states): whether each wants a gradient.
        let wants = inputs.map { $0?.requiresGradient == true }
        let rowsIn = (time + shape.stateRows) * hidden
        // The carried dL/dh and dL/dc (in `order`), starting from the gradients of the final states.
        let hiddenCarry = Tensor(uninitializedShape: [batch, hidden])
        let cellCarry = Tensor(uninitializedShape: [batch, hidden])
        let inputGateGradient = Tensor(uninitializedShape: [time, batch, width])
        let hiddenGateGradient = Gates.hasSeparateHiddenGradient ? Tensor(uninitializedShape: [time, batch, width])
                                                                  : inputGateGradient
        let needsInitialState = wants[5] || wants[6]
        let inputSize = shape.inputSize
        let wantX = x.requiresGradient, wantInputWeight = inputWeight.requiresGradient
        let wantHiddenWeight = hiddenWeight.requiresGradient
        let wantInputBias = wants[3], wantHiddenBias = wants[4]
        let gradientOfXStorage = wantX ? Tensor(uninitializedShape: x.shape) : nil
        // Every tensor written below was created above for this pass; `hiddenGateGradient` may be
        // `inputGateGradient` itself, so `dHidden` may equal `dInput`.
        let sums = withPointers(gradient, inputsInOrder, gates, saved) { g, xs, gatePointer, savedPointer in
            withPointers(previous, inputWeight, hiddenWeight) { previousPointer, inputWeightPointer, hiddenWeightPointer in
                withFreshPointers(hiddenCarry, cellCarry, inputGateGradient) { dh, dc, dInput in
                    hiddenGateGradient.withFreshPointer { dHidden in gradientOfXStorage.withFreshPointer { dxPointer in
                        for p in 0..<batch {
                            let b = order.element[p]
                            (dh + p * hidden).update(from: g + b * rowsIn + time * hidden, count: hidden)
                            if Gates.hasCellState {
                                (dc + p * hidden).update(from: g + b * rowsIn + (time + 1) * hidden, count: hidden)
                            } else {
                                (dc + p * hidden).update(repeating: 0, count: hidden)
                            }
                        }
                        // As forward: each core walks back through the whole sequence for its share
                        // of the batch (time-major rows), then turns its elements' rows, one position
                        // at a time, into its rows of dX and its partial sums of dW_ih, dW_hh and the
                        // bias gradients, added after. Rows past a share's last running element are
                        // left out: their gradients are zero.
                        return BLAS.parallelPartialSums(count: batch) { positions in
                            let first = positions.lowerBound
                            for step in (0..<time).reversed() {
                                let t = reverse ? time - 1 - step : step
                                let end = order.activeEnd(of: positions, at: t)
                                for p in first..<end {
                                    let row = t * batch + p
                                    guard t < order.length[p] else {
                                        (dInput + row * width).update(repeating: 0, count: width)
                                        if Gates.hasSeparateHiddenGradient { (dHidden + row * width).update(repeating: 0, count: width) }
                                        continue
                                    }
                                    let carry = dh + p * hidden, upstream = g + order.element[p] * rowsIn + t * hidden
                                    for j in 0..<hidden { carry[j] += upstream[j] }
                                    Gates.backward(hiddenSize: hidden, gates: gatePointer + row * width,
                                                   saved: savedPointer + row * saving,
                                                   previousHidden: previousPointer + row * hidden, hiddenGradient: carry,
                                                   cellGradient: dc + p * hidden, inputGateGradient: dInput + row * width,
                                                   hiddenGateGradient: dHidden + row * width)
                                }
                                // dh_prev += dGates_hh(t)·W_hh over this core's running rows of position t.
                                if (step > 0 || needsInitialState) && end > first {
                                    Tensor.gemm(dHidden + (t * batch + first) * width, hiddenWeightPointer, dh + first * hidden,
                                                m: end - first, n: hidden, k: width, transposeA: false, transposeB: false, beta: 1)
                                }
                            }
                            let dInputWeight = wantInputWeight ? Tensor.zeros(inputWeight.shape) : nil
                            let dHiddenWeight = wantHiddenWeight ? Tensor.zeros(hiddenWeight.shape) : nil
                            let dInputBias = wantInputBias ? Tensor.zeros([width]) : nil
                            let dHiddenBias = wantHiddenBias ? Tensor.zeros([width]) : nil
                            let dxInOrder = wantX ? Tensor(uninitializedShape: [positions.count, inputSize]) : nil
                            // The partial sums' scopes, opened once for the whole sequence.
                            dInputWeight.withFreshPointer { inputWeightSums in dHiddenWeight.withFreshPointer { hiddenWeightSums in
                            dInputBias.withFreshPointer { inputBiasSums in dHiddenBias.withFreshPointer { hiddenBiasSums in
                            dxInOrder.withFreshPointer { dxRows in
                            for t in 0..<time {
                                let end = order.activeEnd(of: positions, at: t), active = end - first
                                let rows = t * batch + first
                                if let dxPointer, let target = dxRows {
                                    if active > 0 {
                                        Tensor.gemm(dInput + rows * width, inputWeightPointer, target, m: active, n: inputSize,
                                                    k: width, transposeA: false, transposeB: false)
                                    }
                                    for p in positions {
                                        let row = dxPointer + (order.element[p] * time + t) * inputSize
                                        if p < end { row.update(from: target + (p - first) * inputSize, count: inputSize) }
                                        else { row.update(repeating: 0, count: inputSize) }
                                    }
                                }
                                guard active > 0 else { continue }
                                if let target = inputWeightSums {
                                    Tensor.gemm(dInput + rows * width, xs + rows * inputSize, target,
                                                m: width, n: inputSize, k: active, transposeA: true, transposeB: false, beta: 1)
                                }
                                if let target = hiddenWeightSums {
                                    Tensor.gemm(dHidden + rows * width, previousPointer + rows * hidden, target,
                                                m: width, n: hidden, k: active, transposeA: true, transposeB: false, beta: 1)
                                }
                                if let sums = inputBiasSums {
                                    Lanes.addColumnSums(dInput + rows * width, rows: active, columns: width, into: sums)
                                }
                                if let sums = hiddenBiasSums {
                                    Lanes.addColumnSums(dHidden + rows * width, rows: active, columns: width, into: sums)
                                }
                            }
                            } } } } }
                            return [dInputWeight, dHiddenWeight, dInputBias, dHiddenBias]
                        }
                    } }
                }
            }
        }
        return [gradientOfXStorage, sums[0], sums[1], sums[2], sums[3],
                wants[5] ? hiddenCarry.indexSelect(order.positions, alongAxis: 0) : nil,
                wants[6] ? cellCarry.indexSelect(order.positions, alongAxis: 0) : nil]
    }

    /// A fresh [batch, hidden] state in `order`: the rows of `initial`, or zeros.
    private static func startState(_ initial: Tensor?, order: SequenceOrder, hidden: Int) -> Tensor {
        initial?.detached().indexSelect(order.element, alongAxis: 0) ?? Tensor.zeros([order.element.count, hidden])
    }

    /// Writes `bias` (or zeros) into each of `rows` rows of `width` floats.
    private static func fillRows(_ target: UnsafeMutablePointer<Float>, rows: Int, with bias: UnsafePointer<Float>?, width: Int) {
        guard let bias else {
            target.update(repeating: 0, count: rows * width)
            return
        }
        for row in 0..<rows { (target + row * width).update(from: bias, count: width) }
    }
}
