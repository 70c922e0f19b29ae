/// Feature-wise linear modulation (Perez, Strub, de Vries, Dumoulin, Courville 2018): a
/// conditioning vector c (the question) predicts a scale and shift per channel of another
/// modality's features F (the image):
///
///     γ, β = W c + b (split in two),   FiLM(F)_{n,c,…} = γ_{n,c} · F_{n,c,…} + β_{n,c}
///
/// Inputs: [features [batch, channels, …], condition [batch, conditionWidth]]. With
/// `residualScale` the scale is 1 + γ, so a zero-initialised generator starts as the identity.
public final class FiLM: Module, FusionStrategy {
    public let channels: Int
    /// Predicts [γ; β] from the condition (key `projection`).
    public let projection: Linear
    public let residualScale: Bool

    public init(channels: Int, conditionWidth: Int, residualScale: Bool = false, generator: inout RandomGenerator) {
        self.channels = channels
        self.residualScale = residualScale
        projection = Linear(conditionWidth, 2 * channels, generator: &generator)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(channels: Int, conditionWidth: Int, residualScale: Bool = false) {
        var generator = Random.splitGenerator()
        self.init(channels: channels, conditionWidth: conditionWidth, residualScale: residualScale,
                  generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        precondition(inputs.count == 2, "FiLM: expected [features, condition], got \(inputs.count) inputs")
        let (features, condition) = (inputs[0], inputs[1])
        precondition(features.rank >= 2 && features.shape[1] == channels && condition.rank == 2
                     && condition.shape[0] == features.shape[0],
                     "FiLM: features \(features.shape) and condition \(condition.shape) do not match \(channels) channels")
        let parameters = projection(condition)
        let gamma = parameters.slice(0..<channels, alongAxis: 1), beta = parameters.slice(channels..<(2 * channels), alongAxis: 1)
        return features.modulated(scale: gamma, shift: beta, scaleOffset: residualScale ? 1 : 0)
    }
}
