/// The form of a `MultiplicativeInteraction`.
public enum MultiplicativeInteractionForm: Sendable {
    /// z = xᵀ W y + xᵀ U + V y + b, out = outputWidth
    case matrix
    /// z = x ⊙ (W y + b), out = width of x
    case vector
    /// z = x · (wᵀ y + b), out = width of x
    case scalar
}

/// Multiplicative interactions (Jayakumar, Czarnecki, Menick, Schwarz, Rae, Osindero, Teh,
/// Harley, Pascanu, "Multiplicative Interactions and Where to Find Them", 2020): the context y
/// generates the weights applied to x. Inputs [x [B, dx], y [B, dy]].
///
/// - `.matrix`: a hypernetwork H (key `weightNetwork`, Linear dy → dx·out, its bias being U)
///   gives W(y) = reshape(H y + U) [dx, out], and G (key `biasNetwork`, Linear dy → out) the
///   bias, so z_o = Σ_i x_i · W(y)_{i,o} + (V y + b)_o, i.e. z = xᵀ W y + xᵀ U + V y + b with the
///   3-tensor W read from H's weight as W[i, o, :] = H.weight[i·out + o, :].
/// - `.vector` (gating): z = x ⊙ (W y + b), `weightNetwork` a Linear dy → dx.
/// - `.scalar`: z = x · (wᵀ y + b), `weightNetwork` a Linear dy → 1.
public final class MultiplicativeInteraction: Module, FusionStrategy {
    public let widths: [Int]
    public let form: MultiplicativeInteractionForm
    public let outputWidth: Int
    public let weightNetwork: Linear
    public let biasNetwork: Linear?

    /// `outputWidth` is used by `.matrix` only (the other forms keep x's width).
    public init(widths: [Int], form: MultiplicativeInteractionForm = .matrix, outputWidth: Int? = nil,
                generator: inout RandomGenerator) {
        precondition(widths.count == 2, "MultiplicativeInteraction: needs two modalities, got \(widths.count)")
        self.widths = widths
        self.form = form
        let (dx, dy) = (widths[0], widths[1])
        switch form {
        case .matrix:
            self.outputWidth = outputWidth ?? dx
            weightNetwork = Linear(dy, dx * self.outputWidth, generator: &generator)
            biasNetwork = Linear(dy, self.outputWidth, generator: &generator)
        case .vector:
            self.outputWidth = dx
            weightNetwork = Linear(dy, dx, generator: &generator)
            biasNetwork = nil
        case .scalar:
            self.outputWidth = dx
            weightNetwork = Linear(dy, 1, generator: &generator)
            biasNetwork = nil
        }
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], form: MultiplicativeInteractionForm = .matrix, outputWidth: Int? = nil) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, form: form, outputWidth: outputWidth, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "MultiplicativeInteraction")
        let (x, y) = (inputs[0], inputs[1])
        switch form {
        case .matrix:
            let lead = Array(x.shape.dropLast())
            let weights = weightNetwork(y).reshaped(lead + [widths[0], outputWidth])     // […, dx, out]
            let product = x.reshaped(lead + [1, widths[0]]).matmul(weights).reshaped(lead + [outputWidth])
            return product + biasNetwork!(y)
        case .vector, .scalar:
            return x * weightNetwork(y)
        }
    }
}
