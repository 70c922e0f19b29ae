/// A non-local block, embedded Gaussian version (Wang, Girshick, Gupta & He, "Non-local Neural
/// Networks", CVPR 2018): every position of an NCHW feature map attends to every other position.
///
/// For an input x of shape [N, C, H, W], with P = H·W positions and C' inner channels:
///
///     θ = θ(x), φ = φ(x), g = g(x)             1×1 convolutions C → C', read as [N, C', P]
///     f = softmax_j(θᵀ φ)                       [N, P, P]; f[i, j] = e^{θᵢ·φⱼ} / Σ_k e^{θᵢ·φₖ}
///     y = f · gᵀ                                [N, P, C'], read back as [N, C', H, W]
///     z = out(y) + x                            out: 1×1 convolution C' → C, residual connection
///
/// The softmax has no 1/√C' scale, as in the paper. The four convolutions are the children `theta`,
/// `phi`, `g` and `out` (keys `theta.weight` [C', C, 1, 1], `theta.bias`, …, `out.weight`
/// [C, C', 1, 1], `out.bias`), matching a PyTorch module with those `nn.Conv2d(…, kernel_size=1)`
/// attributes. With `normalizesOutput`, a `BatchNorm2d` named `norm` follows `out` with its
/// scale initialised to zero, so that the block starts as the identity (the paper's section 4.1).
///
/// ```swift
/// var generator = RandomGenerator(seed: 0)
/// let block = NonLocalBlock(channels: 64, generator: &generator)   // C' = 32
/// let z = block(features)               // same shape as features
/// let map = block.lastAttention         // [N, H·W, H·W]
/// ```
public final class NonLocalBlock: Module, UnaryLayer {
    /// The query embedding θ, C → C'.
    public let theta: Conv2d
    /// The key embedding φ, C → C'.
    public let phi: Conv2d
    /// The value embedding g, C → C'.
    public let g: Conv2d
    /// The output projection W_z, C' → C.
    public let out: Conv2d
    /// Batch normalisation after `out`, present when the block was made with `normalizesOutput`.
    public let norm: BatchNorm2d?

    /// The attention map f [N, H·W, H·W] of the last forward pass (row i: how position i, in
    /// row-major order over H and W, spreads its attention), detached from the graph; nil before
    /// the first call.
    public private(set) var lastAttention: Tensor?

    /// The number of channels of the input and output.
    public var channels: Int { theta.weight.shape[1] }
    /// The number of channels C' of the embeddings θ, φ and g.
    public var interChannels: Int { theta.weight.shape[0] }

    /// A block on `channels` channels with embeddings of `interChannels` channels
    /// (max(1, channels / 2) by default, as in the paper); `normalizesOutput` adds a zero-initialised
    /// `BatchNorm2d` after the output projection.
    public init(channels: Int, interChannels: Int? = nil, normalizesOutput: Bool = false, generator: inout RandomGenerator) {
        let inner = interChannels ?? Swift.max(1, channels / 2)
        precondition(channels > 0 && inner > 0,
                     "NonLocalBlock: channels (\(channels)) and inter channels (\(inner)) must be positive")
        theta = Conv2d(channels, inner, kernelSize: 1, generator: &generator)
        phi = Conv2d(channels, inner, kernelSize: 1, generator: &generator)
        g = Conv2d(channels, inner, kernelSize: 1, generator: &generator)
        out = Conv2d(inner, channels, kernelSize: 1, generator: &generator)
        if normalizesOutput {
            let batchNorm = BatchNorm2d(channels)
            batchNorm.weight?.value = Tensor.zeros([channels])
            norm = batchNorm
        } else {
            norm = nil
        }
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(channels: Int, interChannels: Int? = nil, normalizesOutput: Bool = false) {
        var generator = Random.splitGenerator()
        self.init(channels: channels, interChannels: interChannels, normalizesOutput: normalizesOutput,
                  generator: &generator)
    }

    /// z = out(softmax(θᵀφ) · gᵀ) + x for `input` [N, C, H, W]; keeps the attention map in
    /// `lastAttention`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == channels,
                     "NonLocalBlock: expected an input of shape [N, \(channels), H, W], got \(input.shape)")
        let (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3])
        let positions = [batch, interChannels, height * width]
        let queries = theta(input).reshaped(positions)   // [N, C', P]
        let keys = phi(input).reshaped(positions)        // [N, C', P]
        let values = g(input).reshaped(positions)        // [N, C', P]
        // θᵀφ without copying θ: sgemm reads it transposed.
        let attention = queries.matmul(keys, transposeA: true).softmax(alongAxis: -1)   // [N, P, P]
        lastAttention = attention.detached()
        // y = f·gᵀ is [N, P, C']; its transpose yᵀ = g·fᵀ is already laid out as [N, C', P].
        let gathered = values.matmul(attention, transposeB: true).reshaped([batch, interChannels, height, width])
        var projected = out(gathered)
        if let norm { projected = norm(projected) }
        return projected + input
    }
}
