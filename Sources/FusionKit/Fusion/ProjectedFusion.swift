/// Each modality projected to a common width by its own Linear, then summed, multiplied or
/// max-pooled element by element. Summing with one bias is the LinearSum fusion
/// y = Σ W_m x_m + b of the MultiBench / TorchMultimodal catalogues.
public final class ProjectedFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let combination: ElementwiseCombination
    public let projections: [Linear]

    public init(widths: [Int], width: Int, combination: ElementwiseCombination = .sum, generator: inout RandomGenerator) {
        precondition(widths.count >= 2, "ProjectedFusion: needs at least two modalities, got \(widths.count)")
        self.widths = widths
        self.combination = combination
        projections = makeProjections(widths, to: width, generator: &generator)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], width: Int, combination: ElementwiseCombination = .sum) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, width: width, combination: combination, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "ProjectedFusion")
        let projected = zip(projections, inputs).map { $0($1) }
        switch combination {
        case .sum: return projected.dropFirst().reduce(projected[0], +)
        case .product: return projected.dropFirst().reduce(projected[0], *)
        case .maximum: return projected.dropFirst().reduce(projected[0]) { Tensor.maximum($0, $1) }
        }
    }
}

/// How the projected modalities are combined by `ProjectedFusion`.
public enum ElementwiseCombination: Sendable {
    /// y = Σ P_m x_m
    case sum
    /// y = Π P_m x_m (element-wise product, Antol et al. 2015)
    case product
    /// y = max_m P_m x_m
    case maximum
}
