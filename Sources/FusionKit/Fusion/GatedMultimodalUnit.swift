/// The gated multimodal unit (Arevalo, Solorio, Montes-y-Gómez, González 2017): each modality
/// gets a tanh representation h_m = tanh(W_m x_m), and gates computed from all inputs decide how
/// much of each to keep. For two modalities, as in the paper,
///
///     z = σ(W_z [x₁; x₂]),  y = z ⊙ h₁ + (1 − z) ⊙ h₂
///
/// and for M > 2 the paper's generalisation with one gate per modality,
/// z_m = σ(W_zm [x₁; …; x_M]), y = Σ z_m ⊙ h_m. `lastGates` keeps z for inspection.
public final class GatedMultimodalUnit: Module, FusionStrategy {
    public let widths: [Int]
    public let projections: [Linear]
    public let gates: [Linear]
    public private(set) var lastGates: Tensor?

    public init(widths: [Int], width: Int, generator: inout RandomGenerator) {
        precondition(widths.count >= 2, "GatedMultimodalUnit: needs at least two modalities, got \(widths.count)")
        self.widths = widths
        projections = makeProjections(widths, to: width, bias: false, generator: &generator)
        let total = widths.reduce(0, +)
        gates = (0..<(widths.count == 2 ? 1 : widths.count)).map { _ in Linear(total, width, bias: false, generator: &generator) }
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], width: Int) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, width: width, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "GatedMultimodalUnit")
        let hidden = zip(projections, inputs).map { $0($1).tanh() }
        let joined = Tensor.concatenate(inputs, alongAxis: -1)
        if hidden.count == 2 {
            let z = gates[0](joined).sigmoid()
            lastGates = z.detached()
            return z * hidden[0] + (1 - z) * hidden[1]
        }
        let z = gates.map { $0(joined).sigmoid() }
        lastGates = Tensor.stack(z.map { $0.detached() }, alongAxis: -2)
        return zip(z, hidden).map { $0 * $1 }.dropFirst().reduce(z[0] * hidden[0], +)
    }
}
