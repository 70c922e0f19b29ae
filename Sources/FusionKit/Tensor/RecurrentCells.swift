import CFusionKitKernels

/// GRU and LSTM over a whole sequence, one direction of one layer, each one fused graph node with
/// backward through time written by hand (the loop is in RecurrentKernels.swift). The layers
/// `GRU` and `LSTM` (NN/) stack these; use them directly for custom recurrent models and for
/// gradient checks with respect to the weights.
extension Tensor {
    /// One direction of a GRU layer over a batch-first sequence, with torch.nn.GRU's equations
    /// and weight layout (gates r, z, n stacked in that order):
    ///
    ///     r = σ(W_ir x + b_ir + W_hr h + b_hr)
    ///     z = σ(W_iz x + b_iz + W_hz h + b_hz)
    ///     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    ///     h' = (1 − z) ⊙ n + z ⊙ h
    ///
    /// - Parameters:
    ///   - inputWeight: W_ih, [3·hidden, features]; `hiddenWeight`: W_hh, [3·hidden, hidden];
    ///     the biases [3·hidden] (nil: none).
    ///   - initialHidden: h₀, [batch, hidden] (nil: zeros).
    ///   - lengths: the valid length of each sequence, in 1...time (nil: all full). Positions at
    ///     or after an element's length output zeros and leave its state alone.
    ///   - reverse: run from the last valid position back to the first.
    /// - Returns: `output` [batch, time, hidden], the state after each position, and `hidden`
    ///   [batch, hidden], the state after each element's last valid step.
    public func gru(inputWeight: Tensor, hiddenWeight: Tensor, inputBias: Tensor?, hiddenBias: Tensor?,
                    initialHidden: Tensor? = nil, lengths: [Int]? = nil, reverse: Bool = false)
        -> (output: Tensor, hidden: Tensor) {
        let combined = RecurrentKernels.sequence(
            GRUGates.self, operation: "gru", input: self, inputWeight: inputWeight, hiddenWeight: hiddenWeight,
            inputBias: inputBias, hiddenBias: hiddenBias, initialHidden: initialHidden, initialCell: nil,
            lengths: lengths, reverse: reverse)
        let time = shape[1]
        return (combined.slice(0..<time, alongAxis: 1), combined.slice(time..<(time + 1), alongAxis: 1).squeezingShape(at: [1]))
    }

    /// One direction of an LSTM layer over a batch-first sequence, with torch.nn.LSTM's equations
    /// and weight layout (gates i, f, g, o stacked in that order):
    ///
    ///     i = σ(W_ii x + b_ii + W_hi h + b_hi)
    ///     f = σ(W_if x + b_if + W_hf h + b_hf)
    ///     g = tanh(W_ig x + b_ig + W_hg h + b_hg)
    ///     o = σ(W_io x + b_io + W_ho h + b_ho)
    ///     c' = f ⊙ c + i ⊙ g
    ///     h' = o ⊙ tanh(c')
    ///
    /// Parameters as for `gru`, with weights of 4·hidden rows and an optional initial cell state
    /// c₀ [batch, hidden]. Returns the outputs [batch, time, hidden] and the final h and c
    /// [batch, hidden] (after each element's last valid step).
    public func lstm(inputWeight: Tensor, hiddenWeight: Tensor, inputBias: Tensor?, hiddenBias: Tensor?,
                     initialHidden: Tensor? = nil, initialCell: Tensor? = nil, lengths: [Int]? = nil,
                     reverse: Bool = false) -> (output: Tensor, hidden: Tensor, cell: Tensor) {
        let combined = RecurrentKernels.sequence(
            LSTMGates.self, operation: "lstm", input: self, inputWeight: inputWeight, hiddenWeight: hiddenWeight,
            inputBias: inputBias, hiddenBias: hiddenBias, initialHidden: initialHidden, initialCell: initialCell,
            lengths: lengths, reverse: reverse)
        let time = shape[1]
        return (combined.slice(0..<time, alongAxis: 1),
                combined.slice(time..<(time + 1), alongAxis: 1).squeezingShape(at: [1]),
                combined.slice((time + 1)..<(time + 2), alongAxis: 1).squeezingShape(at: [1]))
    }
}

/// GRU gate arithmetic for one element and step. Gates row: r, z, n (activations after the
/// forward); saved: W_hn h + b_hn.
enum GRUGates: RecurrentGates {
    static let gateCount = 3
    static let hasCellState = false
    static let savedCount = 1
    static let hasSeparateHiddenGradient = true

    /// One vector loop in C (`fk_gru_forward`, CFusionKitKernels), sigmoid and tanh inlined.
    @inline(__always)
    static func forward(hiddenSize n: Int, gates: UnsafeMutablePointer<Float>, recurrent: UnsafeMutablePointer<Float>,
                        hiddenBias: UnsafePointer<Float>, hidden: UnsafeMutablePointer<Float>,
                        cell: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>) {
        fk_gru_forward(n, gates, recurrent, hiddenBias, hidden, saved)
    }

    /// With a = the pre-activations: dn = dh(1 − z), dz = dh(h − n), dh_direct = dh·z;
    /// da_n = dn(1 − n²), da_z = dz·z(1 − z), da_r = da_n·(W_hn h + b_hn)·r(1 − r). The recurrent
    /// pre-activation of n is multiplied by r, so its gradient is da_n·r. One vector loop in C
    /// (`fk_gru_backward`).
    @inline(__always)
    static func backward(hiddenSize n: Int, gates: UnsafePointer<Float>, saved: UnsafePointer<Float>,
                         previousHidden: UnsafePointer<Float>, hiddenGradient: UnsafeMutablePointer<Float>,
                         cellGradient: UnsafeMutablePointer<Float>, inputGateGradient: UnsafeMutablePointer<Float>,
                         hiddenGateGradient: UnsafeMutablePointer<Float>) {
        fk_gru_backward(n, gates, saved, previousHidden, hiddenGradient, inputGateGradient, hiddenGateGradient)
    }
}

/// LSTM gate arithmetic for one element and step. Gates row: i, f, g, o (activations after the
/// forward); saved: c_prev, tanh c.
/// (Its members repeat `GRUGates`' declarations: both conform to `RecurrentGates`, which the
/// recurrent kernels are generic over.)
enum LSTMGates: RecurrentGates {
    static let gateCount = 4
    static let hasCellState = true
    static let savedCount = 2
    static let hasSeparateHiddenGradient = false

    @inline(__always)
    static func forward(hiddenSize n: Int, gates: UnsafeMutablePointer<Float>, recurrent: UnsafeMutablePointer<Float>,
                        hiddenBias: UnsafePointer<Float>, hidden: UnsafeMutablePointer<Float>,
                        cell: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>) {
        // The activations read `recurrent` and write elsewhere: never in place (see RecurrentKernels).
        Lanes.forEach(4 * n) { j, m in
            Lanes.store(Lanes.load(recurrent + j, m) + Lanes.load(gates + j, m) + Lanes.load(hiddenBias + j, m), recurrent + j, m)
        }
        fk_sigmoid(recurrent, gates, 2 * n)
        fk_tanh(recurrent + 2 * n, gates + 2 * n, n)
        fk_sigmoid(recurrent + 3 * n, gates + 3 * n, n)
        let tanhCell = saved + n
        Lanes.forEach(n) { j, m in
            let previous = Lanes.load(cell + j, m)
            Lanes.store(previous, saved + j, m)
            let input = Lanes.load(gates + j, m), forget = Lanes.load(gates + n + j, m), g = Lanes.load(gates + 2 * n + j, m)
            Lanes.store(forget * previous + input * g, cell + j, m)
        }
        fk_tanh(cell, tanhCell, n)
        Lanes.forEach(n) { j, m in
            Lanes.store(Lanes.load(gates + 3 * n + j, m) * Lanes.load(tanhCell + j, m), hidden + j, m)
        }
    }

    /// dc_total = dc + dh·o(1 − tanh²c); da_i = dc_total·g·i(1 − i), da_f = dc_total·c_prev·f(1 − f),
    /// da_g = dc_total·i(1 − g²), da_o = dh·tanh c·o(1 − o); dc_prev = dc_total·f. All of dh_prev
    /// passes through W_hh.
    @inline(__always)
    static func backward(hiddenSize n: Int, gates: UnsafePointer<Float>, saved: UnsafePointer<Float>,
                         previousHidden: UnsafePointer<Float>, hiddenGradient: UnsafeMutablePointer<Float>,
                         cellGradient: UnsafeMutablePointer<Float>, inputGateGradient: UnsafeMutablePointer<Float>,
                         hiddenGateGradient: UnsafeMutablePointer<Float>) {
        let one = Lanes.Vector(repeating: 1)
        Lanes.forEach(n) { j, m in
            let i = Lanes.load(gates + j, m), f = Lanes.load(gates + n + j, m)
            let g = Lanes.load(gates + 2 * n + j, m), o = Lanes.load(gates + 3 * n + j, m)
            let tanhCell = Lanes.load(saved + n + j, m)
            let dh = Lanes.load(hiddenGradient + j, m)
            let dCell = Lanes.load(cellGradient + j, m) + dh * o * (one - tanhCell * tanhCell)
            Lanes.store(dCell * g * i * (one - i), inputGateGradient + j, m)
            Lanes.store(dCell * Lanes.load(saved + j, m) * f * (one - f), inputGateGradient + n + j, m)
            Lanes.store(dCell * i * (one - g * g), inputGateGradient + 2 * n + j, m)
            Lanes.store(dh * tanhCell * o * (one - o), inputGateGradient + 3 * n + j, m)
            Lanes.store(dCell * f, cellGradient + j, m)
            Lanes.store(Lanes.Vector(), hiddenGradient + j, m)
        }
    }
}
