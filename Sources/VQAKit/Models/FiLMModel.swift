import FusionKit

/// FiLM (Perez et al. 2018) on Sort-of-CLEVR: the question's GRU state predicts a scale and shift
/// for every channel of each residual block over the image's feature map, then a 1×1 convolution,
/// global max pooling and an MLP answer.
///
///     block(x) = x + relu(FiLM(BN(conv3×3(relu(conv1×1(x)))), q))
public final class FiLMModel: Module, VQAModel {
    public let configuration: VQAModelConfiguration
    public let image: ImageEncoder
    public let question: any QuestionEncoding
    public let entry: [Conv2d]
    public let body: [Conv2d]
    public let norms: [BatchNorm2d]
    public let film: [FiLM]
    public let head: Conv2d
    public let classifier: Sequential
    private let channels: Int

    public init(_ configuration: VQAModelConfiguration) throws {
        self.configuration = configuration
        var generator = RandomGenerator(seed: configuration.seed)
        let width = configuration.width
        channels = width / 2
        image = try configuration.makeImageEncoder([(32, 2), (width, 2), (width, 2)], generator: &generator)
        question = try makeQuestionEncoder(configuration, width: width, generator: &generator)
        let blockCount = 2
        var entry: [Conv2d] = [], body: [Conv2d] = [], norms: [BatchNorm2d] = [], film: [FiLM] = []
        for index in 0..<blockCount {
            // The first block's 1×1 convolution also narrows the map, with coordinates appended.
            entry.append(Conv2d(index == 0 ? width + 2 : channels, channels, kernelSize: 1, generator: &generator))
            body.append(Conv2d(channels, channels, kernelSize: 3, padding: 1, bias: false, generator: &generator))
            norms.append(BatchNorm2d(channels, affine: false))
            film.append(FiLM(channels: channels, conditionWidth: width, residualScale: true, generator: &generator))
        }
        self.entry = entry
        self.body = body
        self.norms = norms
        self.film = film
        head = Conv2d(channels, 2 * width, kernelSize: 1, generator: &generator)
        classifier = multilayerPerceptron([2 * width, 2 * width, configuration.answerCount], generator: &generator)
        super.init()
    }

    public func callAsFunction(images: Tensor, questions: Tensor) -> Tensor {
        let perImage = questionsPerImage(images: images, questions: questions, model: "FiLMModel")
        // The two encoders side by side when no gradient is recorded (Parallel.concurrently).
        let (map, condition) = Parallel.concurrently({ image(images) }, { question(questions).final })
        let (batch, height, width) = (map.shape[0], map.shape[2], map.shape[3])
        // Coordinates as two more channels, then one 1×1 convolution per image before repeating.
        let cells = image.tokens(map)                                            // [B, HW, C + 2]
        let withCoordinates = cells.transposed(1, 2).reshaped([batch, cells.shape[2], height, width])
        let narrowed = entry[0](withCoordinates).relu()
        var x = repeatPerQuestion(narrowed, questionsPerImage: perImage)       // [B·Q, c, H, W]
        for index in body.indices {
            let normalized: Tensor
            if index == 0 {
                // Until the first FiLM, every question of an image sees the same map: its
                // convolution and batch norm run once per image and are repeated after (the
                // batch statistics of Q equal copies are those of the images themselves).
                normalized = repeatPerQuestion(norms[0](body[0](narrowed)), questionsPerImage: perImage)
            } else {
                normalized = norms[index](body[index](entry[index](x).relu()))
            }
            x = x + film[index](normalized, condition).relu()
        }
        // relu after the max (equal, as relu is increasing) keeps the pooled [B·Q, 2d] alive, not the whole map.
        let pooled = head(x).max(alongAxes: 2, 3).relu()
        return classifier(pooled)
    }
}
