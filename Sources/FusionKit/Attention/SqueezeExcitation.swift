/// A squeeze-and-excitation block (Hu, Shen & Sun, "Squeeze-and-Excitation Networks", CVPR 2018):
/// it rescales each channel of an NCHW feature map by a gate computed from the whole map.
///
/// For an input x of shape [N, C, H, W]:
///
///     z = (1 / HW) · Σ_{h,w} x[:, :, h, w]            squeeze: global average pool, [N, C]
///     s = σ(W₂ · relu(W₁ · z + b₁) + b₂)              excitation: fc1 (C → C/r), fc2 (C/r → C)
///     y = x · s[:, :, nil, nil]                        scale every channel by its gate in (0, 1)
///
/// The two fully connected layers are the children `fc1` and `fc2`, so the state dict keys are
/// `fc1.weight` [C/r, C], `fc1.bias`, `fc2.weight` [C, C/r], `fc2.bias`, matching a PyTorch module
/// with `fc1 = nn.Linear(C, C // r)` and `fc2 = nn.Linear(C // r, C)`.
///
/// ```swift
/// var generator = RandomGenerator(seed: 0)
/// let se = SqueezeExcitation(channels: 64, reduction: 16, generator: &generator)
/// let y = se(features)   // same shape as features
/// ```
public final class SqueezeExcitation: Module, UnaryLayer {
    /// The reduction layer, C → hidden.
    public let fc1: Linear
    /// The expansion layer, hidden → C, whose sigmoid is the channel gate.
    public let fc2: Linear

    /// The number of channels the block expects on axis 1.
    public var channels: Int { fc2.weight.shape[0] }
    /// The width of the bottleneck between `fc1` and `fc2`.
    public var hiddenChannels: Int { fc1.weight.shape[0] }

    /// A block with a bottleneck of `hiddenChannels` units.
    public init(channels: Int, hiddenChannels: Int, generator: inout RandomGenerator) {
        precondition(channels > 0 && hiddenChannels > 0,
                     "SqueezeExcitation: channels (\(channels)) and hidden channels (\(hiddenChannels)) must be positive")
        fc1 = Linear(channels, hiddenChannels, generator: &generator)
        fc2 = Linear(hiddenChannels, channels, generator: &generator)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(channels: Int, hiddenChannels: Int) {
        var generator = Random.splitGenerator()
        self.init(channels: channels, hiddenChannels: hiddenChannels, generator: &generator)
    }

    /// A block whose bottleneck has max(1, channels / reduction) units (the paper uses r = 16).
    public convenience init(channels: Int, reduction: Int = 16, generator: inout RandomGenerator) {
        precondition(reduction > 0, "SqueezeExcitation: reduction must be positive, got \(reduction)")
        self.init(channels: channels, hiddenChannels: Swift.max(1, channels / reduction), generator: &generator)
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(channels: Int, reduction: Int = 16) {
        var generator = Random.splitGenerator()
        self.init(channels: channels, reduction: reduction, generator: &generator)
    }

    /// Rescales the channels of `input` [N, C, H, W] by their excitation gates.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        input * gates(input).reshaped([input.shape[0], channels, 1, 1])
    }

    /// The channel gates s = σ(fc2(relu(fc1(mean over H, W)))) of `input` [N, C, H, W], shape [N, C].
    public func gates(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == channels,
                     "SqueezeExcitation: expected an input of shape [N, \(channels), H, W], got \(input.shape)")
        let squeezed = input.mean(alongAxes: [2, 3])
        return fc2(fc1(squeezed).relu()).sigmoid()
    }
}
