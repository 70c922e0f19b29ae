import FusionKit

/// A model that answers questions about images. Every image carries several questions, so a
/// batch is B images [B, 3, S, S] with B·Q questions [B·Q, L] in image-major order (questions
/// 0..<Q belong to image 0, …): a model encodes each image once and answers all of its questions
/// from that encoding.
public protocol VQAModel: Module {
    /// The settings the model was built with (stored in checkpoints).
    var configuration: VQAModelConfiguration { get }
    /// Answer logits [B·Q, answerCount].
    func callAsFunction(images: Tensor, questions: Tensor) -> Tensor
    /// For attention models: how the last call's questions weighed the image cells, [B·Q, H, W].
    var lastImageAttention: Tensor? { get }
    /// Called once before the first training step of a new run with that step's images, for a
    /// data-dependent initialisation (not on resume: the checkpoint holds the result).
    func prepare(forTrainingOn images: Tensor)
    /// Whether ``prepare(forTrainingOn:)`` does anything: the trainer loads the first step's
    /// images for it only then.
    var needsPreparation: Bool { get }
    /// A loss the model adds to the answers' own in training (nil: none), from its last
    /// training-mode call.
    var auxiliaryLoss: Tensor? { get }
}

extension VQAModel {
    public var lastImageAttention: Tensor? { nil }
    public func prepare(forTrainingOn images: Tensor) {}
    public var needsPreparation: Bool { false }
    public var auxiliaryLoss: Tensor? { nil }
}

/// Repeats each image's features for each of its questions: [B, …] → [B·Q, …] (the gradient sums
/// the copies back).
func repeatPerQuestion(_ features: Tensor, questionsPerImage: Int) -> Tensor {
    let rest = Array(features.shape.dropFirst())
    return features.expandingShape(at: 1)
        .broadcast(to: [features.shape[0], questionsPerImage] + rest)
        .reshaped([features.shape[0] * questionsPerImage] + rest)
}

/// Questions per image in a batch, checked.
func questionsPerImage(images: Tensor, questions: Tensor, model: String) -> Int {
    precondition(images.rank == 4 && questions.rank == 2 && images.shape[0] > 0
                 && questions.shape[0] % images.shape[0] == 0,
                 "\(model): \(questions.shape) questions do not divide among images \(images.shape)")
    return questions.shape[0] / images.shape[0]
}

/// Linear → ReLU → … → Linear.
func multilayerPerceptron(_ widths: [Int], generator: inout RandomGenerator) -> Sequential {
    var layers: [any UnaryLayer] = []
    for index in 1..<widths.count {
        layers.append(Linear(widths[index - 1], widths[index], generator: &generator))
        if index < widths.count - 1 { layers.append(ReLU()) }
    }
    return Sequential(layers)
}
