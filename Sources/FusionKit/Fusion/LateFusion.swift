/// Decision-level (late) fusion (Snoek, Worring, Smeulders, "Early versus late fusion in semantic
/// video analysis", ACM Multimedia 2005): each modality makes its own prediction (logits
/// [batch, classes]) and only the predictions are combined:
///
///     .average:         y = (1/M) Σ_m P_m
///     .learnedWeights:  y = Σ_m softmax(w)_m P_m        (key `weights` [M], zero-initialised)
///     .maximum:         y = max_m P_m                    (element-wise)
///     .stacking:        y = W [P_1; …; P_M] + b          (key `stacking.weight` [C, M·C], `stacking.bias`)
///
/// Stacking (Wolpert, "Stacked generalization", 1992) learns a meta-classifier over the
/// concatenated predictions.
public final class LateFusion: Module, FusionStrategy {
    public enum Combination: Sendable { case average, learnedWeights, maximum, stacking }

    public let modalities: Int, classes: Int
    public let combination: Combination
    public let weights: Parameter?
    public let stacking: Linear?

    public init(modalities: Int, classes: Int, combination: Combination = .average, generator: inout RandomGenerator) {
        precondition(modalities >= 1 && classes >= 1, "LateFusion: needs a modality and a class")
        self.modalities = modalities
        self.classes = classes
        self.combination = combination
        weights = combination == .learnedWeights ? Parameter(Tensor.zeros([modalities])) : nil
        stacking = combination == .stacking ? Linear(modalities * classes, classes, generator: &generator) : nil
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(modalities: Int, classes: Int, combination: Combination = .average) {
        var generator = Random.splitGenerator()
        self.init(modalities: modalities, classes: classes, combination: combination, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, [Int](repeating: classes, count: modalities), op: "LateFusion")
        switch combination {
        case .average:
            return inputs.dropFirst().reduce(inputs[0], +) * (1 / Float(modalities))
        case .learnedWeights:
            let share = weights!.value.softmax()
            let terms = inputs.indices.map { inputs[$0] * share.slice($0..<($0 + 1), alongAxis: 0) }
            return terms.dropFirst().reduce(terms[0], +)
        case .maximum:
            return inputs.dropFirst().reduce(inputs[0]) { Tensor.maximum($0, $1) }
        case .stacking:
            return stacking!(Tensor.concatenate(inputs, alongAxis: -1))
        }
    }
}
