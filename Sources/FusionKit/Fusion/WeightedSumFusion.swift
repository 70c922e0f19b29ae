/// A learned weighted sum of projected modalities: y = Σ softmax(w)_m · P_m x_m, with one scalar
/// weight per modality (key `weights`), shared by all samples.
public final class WeightedSumFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let projections: [Linear]
    public let weights: Parameter

    public init(widths: [Int], width: Int, generator: inout RandomGenerator) {
        self.widths = widths
        projections = makeProjections(widths, to: width, generator: &generator)
        weights = Parameter(Tensor.zeros([widths.count]))
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], width: Int) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, width: width, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "WeightedSumFusion")
        let share = weights.value.softmax()
        let projected = zip(projections, inputs).enumerated().map { index, pair in
            pair.0(pair.1) * share.slice(index..<(index + 1), alongAxis: 0)
        }
        return projected.dropFirst().reduce(projected[0], +)
    }
}
