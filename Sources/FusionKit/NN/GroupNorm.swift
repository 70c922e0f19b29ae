/// Group normalisation (Wu & He 2018), as torch.nn.GroupNorm: the channels of each sample are
/// split into groups, each normalised over its channels and positions (biased variance), then
/// scaled and shifted per channel. Independent of the batch, so train and eval agree.
public class GroupNorm: Module, UnaryLayer {
    public let groupCount: Int
    public let channels: Int
    public let epsilon: Float
    public let weight: Parameter?
    public let bias: Parameter?

    public init(groups: Int, channels: Int, epsilon: Float = 1e-5, affine: Bool = true) {
        precondition(groups > 0 && channels % groups == 0, "GroupNorm: \(channels) channels do not divide into \(groups) groups")
        groupCount = groups
        self.channels = channels
        self.epsilon = epsilon
        weight = affine ? Parameter(Tensor.ones([channels])) : nil
        bias = affine ? Parameter(Tensor.zeros([channels])) : nil
        super.init()
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 2 && input.shape[1] == channels,
                     "GroupNorm: expected \(channels) channels on axis 1, got \(input.shape)")
        let grouped = input.reshaped([input.shape[0], groupCount, -1])
        let mean = grouped.mean(alongAxes: 2, keepingDimensions: true)
        let centered = grouped - mean
        let variance = centered.square().mean(alongAxes: 2, keepingDimensions: true)
        var output = (centered * (variance + epsilon).rsqrt()).reshaped(input.shape)
        let channelShape = [channels] + [Int](repeating: 1, count: input.rank - 2)
        if let weight { output = output * weight.value.reshaped(channelShape) }
        if let bias { output = output + bias.value.reshaped(channelShape) }
        return output
    }
}
