/// Concatenation followed by squeeze-and-excitation (Hu, Shen, Sun, "Squeeze-and-Excitation
/// Networks", CVPR 2018): the maps (one size) are concatenated on the channels and every channel
/// of the result is rescaled by a gate computed from all of them, so each stream's channels are
/// weighted in the light of the others:
///
///     X = [X_1; …; X_M],  s = σ(W₂ relu(W₁ mean_{h,w} X + b₁) + b₂),  y = X ⊙ s     [batch, ΣC, H, W]
///
/// Key `excitation.fc1.*`, `excitation.fc2.*`.
public final class SqueezeExcitationFusion: Module, FusionStrategy {
    public let channels: [Int]
    public let excitation: SqueezeExcitation

    public init(channels: [Int], reduction: Int = 16, generator: inout RandomGenerator) {
        self.channels = channels
        excitation = SqueezeExcitation(channels: channels.reduce(0, +), reduction: reduction, generator: &generator)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(channels: [Int], reduction: Int = 16) {
        var generator = Random.splitGenerator()
        self.init(channels: channels, reduction: reduction, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkFeatureMaps(inputs, channels, op: "SqueezeExcitationFusion")
        return excitation(Tensor.concatenate(inputs, alongAxis: 1))
    }
}
