/// Batch normalisation (Ioffe & Szegedy 2015) over the batch (and length) of [N, C] or [N, C, L]
/// inputs, as torch.nn.BatchNorm1d. In training it normalises with the batch statistics and
/// updates the running ones: running = (1 − momentum)·running + momentum·batch, with the
/// unbiased batch variance; in evaluation it uses the running statistics.
public final class BatchNorm1d: Module, UnaryLayer {
    public let features: Int
    public let epsilon: Float
    public let momentum: Float
    public let weight: Parameter?
    public let bias: Parameter?
    public let runningMean: Buffer
    public let runningVar: Buffer
    /// The number of training batches seen (PyTorch's `num_batches_tracked`).
    public let batchesTracked: Buffer

    public init(_ features: Int, epsilon: Float = 1e-5, momentum: Float = 0.1, affine: Bool = true) {
        self.features = features
        self.epsilon = epsilon
        self.momentum = momentum
        weight = affine ? Parameter(Tensor.ones([features])) : nil
        bias = affine ? Parameter(Tensor.zeros([features])) : nil
        runningMean = Buffer(Tensor.zeros([features]))
        runningVar = Buffer(Tensor.ones([features]))
        batchesTracked = Buffer(Tensor(0))
        super.init()
    }

    /// The buffers under PyTorch's keys.
    public override func namedOwnBuffers() -> [(String, Buffer)] {
        [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", batchesTracked)]
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition((input.rank == 2 || input.rank == 3) && input.shape[1] == features,
                     "BatchNorm1d: expected [N, \(features)] or [N, \(features), L], got \(input.shape)")
        let axes = input.rank == 2 ? [0] : [0, 2]
        // Per-channel tensors broadcast as [C] for rank 2 and [C, 1] for rank 3.
        let channelShape = input.rank == 2 ? [features] : [features, 1]
        let normalized: Tensor
        if isTraining {
            let n = axes.reduce(1) { $0 * input.shape[$1] }
            let mean = input.mean(alongAxes: axes, keepingDimensions: true)
            let centered = input - mean
            let variance = centered.square().mean(alongAxes: axes, keepingDimensions: true)
            normalized = centered * (variance + epsilon).rsqrt()
            withoutGradient {
                let unbiased = variance * (Float(n) / Float(Swift.max(n - 1, 1)))
                runningMean.value = runningMean.value * (1 - momentum) + mean.reshaped([features]) * momentum
                runningVar.value = runningVar.value * (1 - momentum) + unbiased.reshaped([features]) * momentum
                batchesTracked.value = batchesTracked.value + 1
            }
        } else {
            let mean = runningMean.value.reshaped(channelShape)
            let scale = (runningVar.value.reshaped(channelShape) + epsilon).rsqrt()
            normalized = (input - mean) * scale
        }
        var output = normalized
        if let weight { output = output * weight.value.reshaped(channelShape) }
        if let bias { output = output + bias.value.reshaped(channelShape) }
        return output
    }
}
