/// A multi-layer gated recurrent unit over batch-first sequences, as torch.nn.GRU with
/// `batch_first=True`. For each element of the batch and each step t, with h the previous state:
///
///     r = σ(W_ir x_t + b_ir + W_hr h + b_hr)
///     z = σ(W_iz x_t + b_iz + W_hz h + b_hz)
///     n = tanh(W_in x_t + b_in + r ⊙ (W_hn h + b_hn))
///     h' = (1 − z) ⊙ n + z ⊙ h
///
/// Layer k > 0 reads the outputs of layer k − 1 (both directions concatenated when
/// bidirectional). Parameters carry PyTorch's state-dict keys and layouts, gates stacked r, z, n:
/// `weight_ih_l{k}` [3·hidden, in], `weight_hh_l{k}` [3·hidden, hidden], `bias_ih_l{k}`,
/// `bias_hh_l{k}` [3·hidden], with a `_reverse` suffix for the reverse direction; every one is
/// initialised from U(−1/√hidden, 1/√hidden). Each direction of each layer is one graph node
/// with a hand-written backward through time (see `Tensor.gru`).
///
/// ```swift
/// var generator = RandomGenerator(seed: 0)
/// let gru = GRU(inputSize: 32, hiddenSize: 64, bidirectional: true, generator: &generator)
/// let (output, hidden) = gru(tokens, lengths: [12, 7, 9])   // tokens [3, 12, 32]
/// // output [3, 12, 128], zero after each length; hidden [2, 3, 64]
/// ```
public final class GRU: RecurrentLayer {
    override class var gateCount: Int { 3 }
    override class var layerName: String { "GRU" }

    /// Runs the GRU over `input` [batch, time, inputSize].
    ///
    /// - Parameters:
    ///   - lengths: the valid length of each sequence (1...time), as with PyTorch's packed
    ///     sequences: positions at or after an element's length give zero output and leave its
    ///     state alone, the reverse direction starts at position length − 1, and padding never
    ///     changes the result. nil: every sequence fills all `time` steps.
    ///   - initialHidden: h₀ [layerCount·directions, batch, hiddenSize] (nil: zeros).
    /// - Returns: `output` [batch, time, directions·hiddenSize], the last layer's state after each
    ///   step (forward, then reverse features); `hidden` [layerCount·directions, batch,
    ///   hiddenSize], each layer and direction's state after its last valid step (PyTorch's h_n
    ///   order: layer 0 forward, layer 0 reverse, layer 1 forward, …).
    public func callAsFunction(_ input: Tensor, lengths: [Int]? = nil, initialHidden: Tensor? = nil)
        -> (output: Tensor, hidden: Tensor) {
        let (output, states) = stack.run("GRU", input, lengths: lengths, initialStates: [initialHidden]) {
            layerInput, weights, initial, reverse in
            let result = layerInput.gru(inputWeight: weights.inputWeight.value, hiddenWeight: weights.hiddenWeight.value,
                                        inputBias: weights.inputBias?.value, hiddenBias: weights.hiddenBias?.value,
                                        initialHidden: initial[0], lengths: lengths, reverse: reverse)
            return (result.output, [result.hidden])
        }
        return (output, states[0])
    }
}
