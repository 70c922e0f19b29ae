import FusionKit

/// A multimodal transformer that reasons about the scene once per image and lets each question
/// look things up:
///
/// 1. image cells (CNN with coordinates, 10×10) → a transformer encoder layer over the cells;
/// 2. `slotCount` learned slot queries attend over the cells (cross-attention, as in Perceiver or
///    DETR) and pass through transformer encoder layers among themselves — relations between
///    objects are computed here, once per image;
/// 3. each question (GRU state) attends over [slots; cells] through cross-modal transformer
///    blocks (all questions of an image are the query tokens of one call), and an MLP answers.
public final class TransformerModel: Module, VQAModel {
    public let configuration: VQAModelConfiguration
    public let image: ImageEncoder
    public let question: QuestionEncoder
    public let cellProjection: Linear
    public let cellLayers: [TransformerEncoderLayer]
    public let slotQueries: Parameter
    public let slotReader: CrossModalTransformerBlock
    public let slotLayers: [TransformerEncoderLayer]
    public let questionLayers: [CrossModalTransformerBlock]
    public let classifier: Sequential
    public private(set) var lastImageAttention: Tensor?

    public init(_ configuration: VQAModelConfiguration) {
        self.configuration = configuration
        var generator = RandomGenerator(seed: configuration.seed)
        let width = configuration.width, heads = 4, slotCount = 8
        image = ImageEncoder(layers: [(32, 2), (width, 2), (width, 2)], generator: &generator)
        question = QuestionEncoder(vocabularySize: configuration.vocabularySize, width: width, generator: &generator)
        cellProjection = Linear(width + 2, width, generator: &generator)
        cellLayers = [TransformerEncoderLayer(width: width, headCount: heads, feedForwardWidth: 2 * width, dropout: 0,
                                              generator: &generator)]
        slotQueries = Parameter(Tensor.randomNormal([1, slotCount, width], standardDeviation: 0.5, generator: &generator))
        slotReader = CrossModalTransformerBlock(width: width, headCount: heads, feedForwardWidth: 2 * width, generator: &generator)
        slotLayers = (0..<2).map { _ in
            TransformerEncoderLayer(width: width, headCount: heads, feedForwardWidth: 2 * width, dropout: 0, generator: &generator)
        }
        questionLayers = (0..<2).map { _ in
            CrossModalTransformerBlock(width: width, headCount: heads, feedForwardWidth: 2 * width, generator: &generator)
        }
        classifier = multilayerPerceptron([2 * width, 2 * width, configuration.answerCount], generator: &generator)
        super.init()
    }

    public func callAsFunction(images: Tensor, questions: Tensor) -> Tensor {
        let perImage = questionsPerImage(images: images, questions: questions, model: "TransformerModel")
        let batch = images.shape[0]
        let map = image(images)
        var cells = cellProjection(image.tokens(map))                              // [B, HW, d]
        for layer in cellLayers { cells = layer(cells) }
        let width = cells.shape[2]
        var slots = slotReader(target: slotQueries.value.broadcast(to: [batch, slotQueries.value.shape[1], width]), source: cells)
        for layer in slotLayers { slots = layer(slots) }
        let memory = Tensor.concatenate([slots, cells], alongAxis: 1)              // [B, slots + HW, d]
        let q = question(questions).final                                          // [B·Q, d]
        var state = q.reshaped([batch, perImage, width])
        for (index, layer) in questionLayers.enumerated() {
            state = layer(target: state, source: memory)
            if index == 0, !isTraining, let weights = layer.attention.lastWeights {
                // Averaged over heads, the cells' part of the memory.
                let cellWeights = weights.mean(alongAxes: 1).slice(slots.shape[1]..<memory.shape[1], alongAxis: 2)
                lastImageAttention = cellWeights.reshaped([q.shape[0], map.shape[2], map.shape[3]])
            }
        }
        return classifier(Tensor.concatenate([q, state.reshaped([q.shape[0], width])], alongAxis: 1))
    }
}
