/// UNet skip concatenation (Ronneberger, Fischer, Brox, "U-Net: Convolutional Networks for
/// Biomedical Image Segmentation", MICCAI 2015): the deeper (coarser) map is resized to the
/// shallower map's height and width when they differ, the two are concatenated on the channels,
/// and an optional 3×3 convolution (padding 1) followed by ReLU mixes them:
///
///     y = [S; up(D)]    or    y = relu(conv3×3([S; up(D)]))      [batch, C_s + C_d or C_out, H_s, W_s]
///
/// Inputs: [shallow S [batch, C_s, H_s, W_s], deep D [batch, C_d, H_d, W_d]]. Key `convolution.*`.
public final class SkipConcatenationFusion: Module, FusionStrategy {
    public let shallowChannels: Int, deepChannels: Int
    public let mode: Tensor.UpsamplingMode
    public let convolution: Conv2d?

    public init(shallowChannels: Int, deepChannels: Int, outputChannels: Int? = nil, mode: Tensor.UpsamplingMode = .nearest,
                generator: inout RandomGenerator) {
        self.shallowChannels = shallowChannels
        self.deepChannels = deepChannels
        self.mode = mode
        convolution = outputChannels.map { Conv2d(shallowChannels + deepChannels, $0, kernelSize: 3, padding: 1, generator: &generator) }
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(shallowChannels: Int, deepChannels: Int, outputChannels: Int? = nil,
                            mode: Tensor.UpsamplingMode = .nearest) {
        var generator = Random.splitGenerator()
        self.init(shallowChannels: shallowChannels, deepChannels: deepChannels, outputChannels: outputChannels,
                  mode: mode, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkFeatureMaps(inputs, [shallowChannels, deepChannels], op: "SkipConcatenationFusion")
        let (shallow, deep) = (inputs[0], inputs[1])
        let size = (shallow.shape[2], shallow.shape[3])
        let resized = deep.shape[2] == size.0 && deep.shape[3] == size.1 ? deep : deep.upsample(size: size, mode: mode)
        let joined = Tensor.concatenate([shallow, resized], alongAxis: 1)
        return convolution.map { $0(joined).relu() } ?? joined
    }
}
