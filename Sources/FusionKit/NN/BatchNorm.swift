/// Batch normalisation (Ioffe & Szegedy 2015) per channel (axis 1), over the batch and every
/// axis after the channels: [N, C] and [N, C, L] (BatchNorm1d), [N, C, H, W] (BatchNorm2d). In
/// training it normalises with the batch statistics (biased variance) and updates the running
/// ones: running = (1 − momentum)·running + momentum·batch, with the unbiased batch variance;
/// in evaluation it uses the running statistics.
public class BatchNorm: Module, UnaryLayer {
    /// The input ranks this layer accepts.
    let ranks: Set<Int>
    let name: String

    public let features: Int
    public let epsilon: Float
    public let momentum: Float
    public let weight: Parameter?
    public let bias: Parameter?
    public let runningMean: Buffer
    public let runningVar: Buffer
    /// The number of training batches seen (PyTorch's `num_batches_tracked`).
    public let batchesTracked: Buffer
    /// Synchronised batch norm for data-parallel training: a differentiable sum of a tensor over
    /// every process of the job (its backward sums the gradients the same way). When set, the
    /// training statistics are those of the whole global batch, so N processes normalise exactly
    /// as one process with all N shards would. nil (the default): this process's batch only.
    public var synchronizedSum: ((Tensor) -> Tensor)?

    init(_ features: Int, epsilon: Float, momentum: Float, affine: Bool, ranks: Set<Int>, name: String) {
        self.ranks = ranks
        self.name = name
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

    /// running = (1 − momentum)·running + momentum·batch, with the unbiased batch variance.
    private func updateRunningStatistics(mean: Tensor, variance: Tensor, count n: Int) {
        withoutGradient {
            let unbiased = variance * (Float(n) / Float(Swift.max(n - 1, 1)))
            runningMean.value = runningMean.value * (1 - momentum) + mean.detached() * momentum
            runningVar.value = runningVar.value * (1 - momentum) + unbiased.detached() * momentum
            batchesTracked.value = batchesTracked.value + 1
        }
    }

    /// The normalisation in evaluation mode as an affine map per channel, y = x·factor + shift:
    /// factor = γ/√(σ² + ε), shift = β − μ·factor, from the running statistics (γ = 1, β = 0
    /// without affine parameters).
    public var evaluationAffine: (factors: [Float], shifts: [Float]) {
        let scales = runningVar.value.scalars.map { 1 / ($0 + epsilon).squareRoot() }
        let weights = weight?.value.scalars ?? [Float](repeating: 1, count: features)
        let biases = bias?.value.scalars ?? [Float](repeating: 0, count: features)
        let factors = (0..<features).map { scales[$0] * weights[$0] }
        let means = runningMean.value.scalars
        return (factors, (0..<features).map { biases[$0] - means[$0] * factors[$0] })
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(ranks.contains(input.rank) && input.shape[1] == features,
                     "\(name): expected \(features) channels on axis 1 of a rank-\(ranks.sorted()) input, got \(input.shape)")
        let axes = [0] + Array(2..<input.rank)
        // Per-channel tensors broadcast as [C, 1, …] against [N, C, …].
        let channelShape = [features] + [Int](repeating: 1, count: input.rank - 2)
        if isTraining && synchronizedSum == nil {
            // One fused node (Tensor.batchNormalized) with its closed-form backward.
            let n = axes.reduce(1) { $0 * input.shape[$1] }
            let result = input.batchNormalized(weight: weight?.value, bias: bias?.value, epsilon: epsilon)
            updateRunningStatistics(mean: result.mean, variance: result.variance, count: n)
            return result.output
        }
        let normalized: Tensor
        if isTraining, let synchronizedSum {
            // Sums over every process's batch, then divided by the global element count.
            let n = Int(withoutGradient { synchronizedSum(Tensor(Float(axes.reduce(1) { $0 * input.shape[$1] })).reshaped([1])) }
                .scalars[0])
            let mean = synchronizedSum(input.sum(alongAxes: axes, keepingDimensions: true)) / Float(n)
            let centered = input - mean
            let variance = synchronizedSum(centered.square().sum(alongAxes: axes, keepingDimensions: true)) / Float(n)
            normalized = centered * (variance + epsilon).rsqrt()
            withoutGradient { updateRunningStatistics(mean: mean.reshaped([features]), variance: variance.reshaped([features]), count: n) }
        } else if !Autograd.isRecording {
            // Inference: one pass, y = x·(w·r) + (b − μ·w·r) per channel.
            let affine = evaluationAffine
            return input.channelAffine(factors: affine.factors, shifts: affine.shifts)
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

/// Batch normalisation of [N, C] or [N, C, L] inputs, as torch.nn.BatchNorm1d.
public final class BatchNorm1d: BatchNorm {
    public init(_ features: Int, epsilon: Float = 1e-5, momentum: Float = 0.1, affine: Bool = true) {
        super.init(features, epsilon: epsilon, momentum: momentum, affine: affine, ranks: [2, 3], name: "BatchNorm1d")
    }
}

/// Batch normalisation of NCHW feature maps per channel, as torch.nn.BatchNorm2d.
public final class BatchNorm2d: BatchNorm {
    public init(_ features: Int, epsilon: Float = 1e-5, momentum: Float = 0.1, affine: Bool = true) {
        super.init(features, epsilon: epsilon, momentum: momentum, affine: affine, ranks: [4], name: "BatchNorm2d")
    }
}
