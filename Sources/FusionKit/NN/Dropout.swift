/// Zeroes each element with probability `probability` during training and scales the rest by
/// 1/(1−p), as torch.nn.Dropout; the identity in evaluation mode. Draws from its own generator,
/// so a seeded model drops the same elements on every run.
public final class Dropout: Module, UnaryLayer {
    public let probability: Float
    /// The generator the masks come from; part of what a resumable run must save.
    public var generator: RandomGenerator

    public init(_ probability: Float = 0.5, seed: UInt64 = 0) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability \(probability) outside [0, 1)")
        self.probability = probability
        generator = RandomGenerator(seed: seed)
        super.init()
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard isTraining && probability > 0 else { return input }
        let keep = Tensor.randomUniform(input.shape, generator: &generator) .>= probability
        return input * (keep / (1 - probability))
    }
}
