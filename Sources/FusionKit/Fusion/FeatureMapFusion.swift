/// Checks that `inputs` are NCHW maps with the expected channels and one batch size.
func checkFeatureMaps(_ inputs: [Tensor], _ channels: [Int], op: String) {
    precondition(inputs.count == channels.count,
                 "\(op): expected \(channels.count) feature maps, got \(inputs.count) (shapes \(inputs.map(\.shape)))")
    for (input, count) in zip(inputs, channels) {
        precondition(input.rank == 4 && input.shape[1] == count && input.shape[0] == inputs[0].shape[0],
                     "\(op): feature maps of shapes \(inputs.map(\.shape)) do not match channels \(channels)")
    }
}

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

/// Global average pooling of each map to a vector, then concatenation (as in two-stream networks
/// fused at the classifier, Simonyan & Zisserman 2014; global pooling from Lin, Chen, Yan,
/// "Network In Network", 2014):
///
///     y = [mean_{h,w} X_1; …; mean_{h,w} X_M]    [batch, ΣC]
///
/// The maps may have different sizes. No parameters.
public final class GlobalPoolingFusion: Module, FusionStrategy {
    public let channels: [Int]

    public init(channels: [Int]) {
        self.channels = channels
        super.init()
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkFeatureMaps(inputs, channels, op: "GlobalPoolingFusion")
        return Tensor.concatenate(inputs.map { $0.mean(alongAxes: [2, 3]) }, alongAxis: 1)
    }
}

/// The top-down pathway of a feature pyramid network (Lin, Dollár, Girshick, He, Hariharan,
/// Belongie, "Feature Pyramid Networks for Object Detection", CVPR 2017), fusing maps of one
/// backbone (or of several streams) at different scales. With maps C_0 (finest) … C_L (coarsest):
///
///     P_L = lateral_L(C_L)
///     P_l = lateral_l(C_l) + up(P_{l+1})      (nearest neighbour, ×2 or to C_l's size)
///     out_l = output_l(P_l)                  (optional 3×3 convolutions, padding 1)
///
/// `lateral_l` are 1×1 convolutions to a common width. `fuse` returns the finest level out_0
/// [batch, width, H_0, W_0]; `pyramid(_:)` returns every level, finest first. Keys:
/// `lateral.l.*`, `output.l.*` (torchvision's FeaturePyramidNetwork calls them inner_blocks and
/// layer_blocks).
public final class FeaturePyramidFusion: Module, FusionStrategy {
    public let channels: [Int]
    public let width: Int
    public let lateral: [Conv2d]
    public let output: [Conv2d]?

    public init(channels: [Int], width: Int, outputConvolutions: Bool = true, generator: inout RandomGenerator) {
        precondition(!channels.isEmpty, "FeaturePyramidFusion: needs at least one level")
        self.channels = channels
        self.width = width
        lateral = channels.map { Conv2d($0, width, kernelSize: 1, generator: &generator) }
        output = outputConvolutions ? channels.map { _ in Conv2d(width, width, kernelSize: 3, padding: 1, generator: &generator) } : nil
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(channels: [Int], width: Int, outputConvolutions: Bool = true) {
        var generator = Random.splitGenerator()
        self.init(channels: channels, width: width, outputConvolutions: outputConvolutions, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor { pyramid(inputs)[0] }

    /// Every fused level [batch, width, H_l, W_l], finest first.
    public func pyramid(_ inputs: [Tensor]) -> [Tensor] {
        checkFeatureMaps(inputs, channels, op: "FeaturePyramidFusion")
        var levels = [Tensor](repeating: Tensor.zeros([0]), count: inputs.count)
        var previous: Tensor?
        for level in inputs.indices.reversed() {
            var current = lateral[level](inputs[level])
            if let coarser = previous {
                let size = (current.shape[2], current.shape[3])
                current = current + (coarser.shape[2] * 2 == size.0 && coarser.shape[3] * 2 == size.1
                    ? coarser.upsample(scale: (2, 2)) : coarser.upsample(size: size))
            }
            previous = current
            levels[level] = output.map { $0[level](current) } ?? current
        }
        return levels
    }
}
