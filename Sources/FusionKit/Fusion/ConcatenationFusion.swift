/// Concatenation on the last axis, optionally followed by an MLP: y = MLP([x₁; x₂; …]).
/// The baseline every VQA paper compares against.
public final class ConcatenationFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let mlp: Sequential?

    /// `hiddenWidth` and `outputWidth` add Linear → ReLU → Linear after the concatenation.
    public init(widths: [Int], hiddenWidth: Int? = nil, outputWidth: Int? = nil, generator: inout RandomGenerator) {
        self.widths = widths
        let total = widths.reduce(0, +)
        if let outputWidth {
            let hidden = hiddenWidth ?? outputWidth
            mlp = Sequential(Linear(total, hidden, generator: &generator), ReLU(), Linear(hidden, outputWidth, generator: &generator))
        } else {
            mlp = nil
        }
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], hiddenWidth: Int? = nil, outputWidth: Int? = nil) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, hiddenWidth: hiddenWidth, outputWidth: outputWidth, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "ConcatenationFusion")
        let joined = Tensor.concatenate(inputs, alongAxis: -1)
        return mlp.map { $0(joined) } ?? joined
    }
}
