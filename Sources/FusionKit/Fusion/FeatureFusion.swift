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

/// How the projected modalities are combined by `ProjectedFusion`.
public enum ElementwiseCombination: Sendable {
    /// y = Σ P_m x_m
    case sum
    /// y = Π P_m x_m (element-wise product, Antol et al. 2015)
    case product
    /// y = max_m P_m x_m
    case maximum
}

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

/// Modality attention: each modality's projection h_m = tanh(P_m x_m) gets a score s_m = vᵀh_m,
/// the scores a softmax over modalities per sample, and y = Σ α_m h_m. The weights α say which
/// modality each sample relied on (`lastWeights`, [batch, modalities]).
public final class ModalityAttentionFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let projections: [Linear]
    public let score: Linear
    public private(set) var lastWeights: Tensor?

    public init(widths: [Int], width: Int, generator: inout RandomGenerator) {
        self.widths = widths
        projections = makeProjections(widths, to: width, generator: &generator)
        score = Linear(width, 1, bias: false, generator: &generator)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], width: Int) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, width: width, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "ModalityAttentionFusion")
        let hidden = Tensor.stack(zip(projections, inputs).map { $0($1).tanh() }, alongAxis: -2)   // […, M, width]
        let weights = score(hidden).softmax(alongAxis: -2)                                       // […, M, 1]
        lastWeights = weights.detached().squeezingShape(at: [-1])
        return (hidden * weights).sum(alongAxes: hidden.rank - 2)
    }
}

/// How `DeepSetFusion` pools over modalities.
public enum SetPooling: Sendable { case sum, mean, maximum }

/// Deep-set fusion (Zaheer et al. 2017): the modalities as an unordered set,
/// y = ρ(pool_m φ(P_m x_m)), with φ and ρ small networks shared across modalities, so the result
/// does not depend on the modalities' order once projected.
public final class DeepSetFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let projections: [Linear]
    public let phi: Sequential, rho: Sequential
    public let pooling: SetPooling

    public init(widths: [Int], width: Int, pooling: SetPooling = .sum, generator: inout RandomGenerator) {
        self.widths = widths
        self.pooling = pooling
        projections = makeProjections(widths, to: width, generator: &generator)
        phi = Sequential(Linear(width, width, generator: &generator), ReLU())
        rho = Sequential(Linear(width, width, generator: &generator), ReLU())
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], width: Int, pooling: SetPooling = .sum) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, width: width, pooling: pooling, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "DeepSetFusion")
        let members = Tensor.stack(zip(projections, inputs).map { phi($0($1)) }, alongAxis: -2)
        let axis = members.rank - 2
        let pooled: Tensor
        switch pooling {
        case .sum: pooled = members.sum(alongAxes: axis)
        case .mean: pooled = members.mean(alongAxes: axis)
        case .maximum: pooled = members.max(alongAxes: axis)
        }
        return rho(pooled)
    }
}

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
