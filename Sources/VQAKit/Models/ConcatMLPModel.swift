import FusionKit

/// The baseline of Santoro et al. (2017), "CNN+MLP": the image's whole feature map flattened,
/// concatenated with the question's GRU state, and read by an MLP (`ConcatenationFusion`).
public final class ConcatMLPModel: Module, VQAModel {
    public let configuration: VQAModelConfiguration
    public let image: ImageEncoder
    public let question: any QuestionEncoding
    public let fusion: ConcatenationFusion
    public let classifier: Sequential

    public init(_ configuration: VQAModelConfiguration) throws {
        self.configuration = configuration
        var generator = RandomGenerator(seed: configuration.seed)
        let channels = 24
        let layers = [(channels, 2), (channels, 2), (channels, 2), (channels, 2)]
        image = try configuration.makeImageEncoder(layers, generator: &generator)
        question = try makeQuestionEncoder(configuration, width: configuration.width, generator: &generator)
        let hidden = 4 * configuration.width
        // Four stride-2 convolutions (kernel 3, padding 1) take a side n to ⌊(n − 1) / 2⌋ + 1 each: 75 → 5.
        let grid = configuration.imageGrid(after: layers)
        fusion = ConcatenationFusion(widths: [channels * grid * grid, configuration.width], hiddenWidth: hidden, outputWidth: hidden,
                                     generator: &generator)
        classifier = multilayerPerceptron([hidden, hidden, configuration.answerCount], generator: &generator)
        super.init()
    }

    public func callAsFunction(images: Tensor, questions: Tensor) -> Tensor {
        let perImage = questionsPerImage(images: images, questions: questions, model: "ConcatMLPModel")
        // The two encoders side by side when no gradient is recorded (Parallel.concurrently).
        let (features, sentence) = Parallel.concurrently({ image(images).flattened(startAxis: 1) },   // [B, 24·g·g]
                                                         { question(questions).final })
        let fused = fusion(repeatPerQuestion(features, questionsPerImage: perImage), sentence)
        return classifier(fused.relu())
    }
}
