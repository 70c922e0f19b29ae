/// A multi-layer long short-term memory over batch-first sequences, as torch.nn.LSTM with
/// `batch_first=True`. For each element of the batch and each step t, with (h, c) the previous
/// state:
///
///     i = σ(W_ii x_t + b_ii + W_hi h + b_hi)
///     f = σ(W_if x_t + b_if + W_hf h + b_hf)
///     g = tanh(W_ig x_t + b_ig + W_hg h + b_hg)
///     o = σ(W_io x_t + b_io + W_ho h + b_ho)
///     c' = f ⊙ c + i ⊙ g
///     h' = o ⊙ tanh(c')
///
/// Layer k > 0 reads the outputs of layer k − 1 (both directions concatenated when
/// bidirectional). Parameters carry PyTorch's state-dict keys and layouts, gates stacked i, f, g, o:
/// `weight_ih_l{k}` [4·hidden, in], `weight_hh_l{k}` [4·hidden, hidden], `bias_ih_l{k}`,
/// `bias_hh_l{k}` [4·hidden], with a `_reverse` suffix for the reverse direction; every one is
/// initialised from U(−1/√hidden, 1/√hidden). Each direction of each layer is one graph node
/// with a hand-written backward through time (see `Tensor.lstm`).
///
/// ```swift
/// var generator = RandomGenerator(seed: 0)
/// let lstm = LSTM(inputSize: 32, hiddenSize: 64, layerCount: 2, generator: &generator)
/// let (output, hidden, cell) = lstm(tokens)   // tokens [8, 12, 32]
/// // output [8, 12, 64]; hidden and cell [2, 8, 64]
/// ```
public final class LSTM: RecurrentLayer {
    override class var gateCount: Int { 4 }
    override class var layerName: String { "LSTM" }

    /// Runs the LSTM over `input` [batch, time, inputSize].
    ///
    /// - Parameters:
    ///   - lengths: the valid length of each sequence (1...time), as with PyTorch's packed
    ///     sequences: positions at or after an element's length give zero output and leave its
    ///     state alone, the reverse direction starts at position length − 1, and padding never
    ///     changes the result. nil: every sequence fills all `time` steps.
    ///   - initialHidden, initialCell: h₀ and c₀, [layerCount·directions, batch, hiddenSize]
    ///     (nil: zeros).
    /// - Returns: `output` [batch, time, directions·hiddenSize], the last layer's h after each step
    ///   (forward, then reverse features); `hidden` and `cell` [layerCount·directions, batch,
    ///   hiddenSize], each layer and direction's h and c after its last valid step (PyTorch's
    ///   h_n / c_n order: layer 0 forward, layer 0 reverse, layer 1 forward, …).
    public func callAsFunction(_ input: Tensor, lengths: [Int]? = nil, initialHidden: Tensor? = nil,
                               initialCell: Tensor? = nil) -> (output: Tensor, hidden: Tensor, cell: Tensor) {
        let (output, states) = stack.run("LSTM", input, lengths: lengths, initialStates: [initialHidden, initialCell]) {
            layerInput, weights, initial, reverse in
            let result = layerInput.lstm(inputWeight: weights.inputWeight.value, hiddenWeight: weights.hiddenWeight.value,
                                         inputBias: weights.inputBias?.value, hiddenBias: weights.hiddenBias?.value,
                                         initialHidden: initial[0], initialCell: initial[1], lengths: lengths,
                                         reverse: reverse)
            return (result.output, [result.hidden, result.cell])
        }
        return (output, states[0], states[1])
    }
}
