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

/// How `DeepSetFusion` pools over modalities.
public enum SetPooling: Sendable { case sum, mean, maximum }
