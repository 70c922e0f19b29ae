/// Multimodal low-rank bilinear pooling, MLB (Kim, On, Lim, Kim, Ha, Zhang, "Hadamard Product for
/// Low-rank Bilinear Pooling", 2017):
///
///     z = P (tanh(U x + b_u) ⊙ tanh(V y + b_v)) + b_p
///
/// Keys: `projections.0` (U, x → rank), `projections.1` (V, y → rank), `output` (P, rank → out).
public final class MLBFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let projections: [Linear]
    public let output: Linear

    public init(widths: [Int], rank: Int, outputWidth: Int, generator: inout RandomGenerator) {
        precondition(widths.count == 2, "MLBFusion: needs two modalities, got \(widths.count)")
        self.widths = widths
        projections = makeProjections(widths, to: rank, generator: &generator)
        output = Linear(rank, outputWidth, generator: &generator)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], rank: Int, outputWidth: Int) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, rank: rank, outputWidth: outputWidth, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "MLBFusion")
        return output(projections[0](inputs[0]).tanh() * projections[1](inputs[1]).tanh())
    }
}
