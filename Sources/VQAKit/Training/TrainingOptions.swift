import Foundation
import FusionKit
import FusionKitData
import FusionKitDistributed

/// How a model is trained: everything that, with the data and the model configuration, fixes the
/// numbers a run produces.
public struct TrainingOptions: Codable, Equatable, Sendable {
    /// Passes over the training images.
    public var epochs: Int
    /// Images per step (each brings all of its questions).
    public var batchSize: Int
    /// AdamW's peak learning rate, reached after `warmupSteps`, then cosine decay to zero at the end.
    public var learningRate: Float
    public var weightDecay: Float
    public var warmupSteps: Int
    /// Gradients are clipped to this global norm.
    public var maximumGradientNorm: Float
    /// Seeds the order of the images in every epoch.
    public var shuffleSeed: UInt64
    /// The peak learning rate of a pretrained question encoder's trained layers (following the
    /// same schedule); nil: `learningRate`.
    public var questionEncoderLearningRate: Float?
    /// Random changes to training images that keep every answer true (colour jitter, small
    /// shifts; never flips), drawn per image from the shuffle seed, the epoch and the image's
    /// index, so a resumed run draws the same; nil: none.
    public var augmentation: ImageAugmentation?

    // Deliberate pattern (same shape as Sources/VQAKit/Models/VQAModelConfiguration.swift:VQAModelConfiguration.init): a public memberwise initializer (Swift synthesizes only an internal one) of an unrelated type.
    public init(epochs: Int = 12, batchSize: Int = 8, learningRate: Float = 1e-3, weightDecay: Float = 1e-4,
                warmupSteps: Int = 200, maximumGradientNorm: Float = 5, shuffleSeed: UInt64 = 1,
                questionEncoderLearningRate: Float? = nil, augmentation: ImageAugmentation? = nil) {
        self.questionEncoderLearningRate = questionEncoderLearningRate
        self.augmentation = augmentation
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.warmupSteps = warmupSteps
        self.maximumGradientNorm = maximumGradientNorm
        self.shuffleSeed = shuffleSeed
    }

    /// The learning rate at `step` of `totalSteps`: linear warmup from 0, then cosine decay.
    public func learningRate(atStep step: Int, totalSteps: Int) -> Float {
        if step < warmupSteps { return learningRate * Float(step + 1) / Float(warmupSteps) }
        let progress = Float(step - warmupSteps) / Float(Swift.max(1, totalSteps - warmupSteps))
        return learningRate * 0.5 * (1 + Float(Foundation.cos(Double.pi * Double(Swift.min(progress, 1)))))
    }
}

extension TrainingOptions {
    /// The seed of the augmentation of image `index` in `epoch`.
    public func augmentationSeed(epoch: Int, index: Int) -> UInt64 {
        (shuffleSeed &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(epoch) &* 0xBF58_476D_1CE4_E5B9) ^ UInt64(index)
    }
}

/// The order of `count` items in `epoch` (see `DistributedSampler.shuffledOrder`): recomputed
/// from the seed and the epoch on resume, without saved state.
public func epochOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
    DistributedSampler.shuffledOrder(count: count, seed: seed, epoch: epoch)
}
