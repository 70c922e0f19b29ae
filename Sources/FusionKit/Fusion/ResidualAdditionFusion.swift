/// Residual addition (He, Zhang, Ren, Sun, "Deep Residual Learning for Image Recognition", CVPR
/// 2016): with two maps of one size, y = x + P y' where P is a 1×1 convolution without bias when
/// the channels differ (the projection shortcut) and the identity otherwise; with one map and a
/// `residual` block F, y = x + F(x).
///
/// Inputs: [x [batch, C, H, W], other [batch, C', H, W]] or [x]. Keys: `projection.weight`
/// [C, C', 1, 1], `residual.*`.
public final class ResidualAdditionFusion: Module, FusionStrategy {
    public let channels: Int
    public let otherChannels: Int
    public let projection: Conv2d?
    public let residual: (any UnaryLayer)?

    /// x + P·other; a projection is made when `otherChannels` differs from `channels`.
    public init(channels: Int, otherChannels: Int, generator: inout RandomGenerator) {
        self.channels = channels
        self.otherChannels = otherChannels
        projection = channels == otherChannels ? nil
            : Conv2d(otherChannels, channels, kernelSize: 1, bias: false, generator: &generator)
        residual = nil
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(channels: Int, otherChannels: Int) {
        var generator = Random.splitGenerator()
        self.init(channels: channels, otherChannels: otherChannels, generator: &generator)
    }

    /// x + F(x) for one input (F must keep the shape).
    public init(channels: Int, residual: any UnaryLayer) {
        self.channels = channels
        otherChannels = channels
        projection = nil
        self.residual = residual
        super.init()
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        if inputs.count == 1, let residual {
            checkFeatureMaps(inputs, [channels], op: "ResidualAdditionFusion")
            return inputs[0] + residual(inputs[0])
        }
        checkFeatureMaps(inputs, [channels, otherChannels], op: "ResidualAdditionFusion")
        precondition(inputs[0].shape[2...] == inputs[1].shape[2...],
                     "ResidualAdditionFusion: spatial sizes differ: \(inputs[0].shape) and \(inputs[1].shape)")
        return inputs[0] + (projection.map { $0(inputs[1]) } ?? inputs[1])
    }
}
