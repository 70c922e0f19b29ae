import FusionKit

/// Question-to-image cross-modal attention in two hops: the question's GRU state attends over the
/// image's cells (`CrossModalAttentionFusion`), the result attends again, and an MLP reads the
/// question with both hops. The keys and values of the cells are computed once per image: all
/// questions of an image are the query tokens of one attention call.
public final class CrossAttentionModel: Module, VQAModel, CellAttentionModel {
    public let configuration: VQAModelConfiguration
    public let image: ImageEncoder
    public let question: any QuestionEncoding
    public let cellProjection: Linear
    public let hops: [CrossModalAttentionFusion]
    public let classifier: Sequential
    public private(set) var lastImageAttention: Tensor?

    // Deliberate pattern (same shape as Sources/VQAKit/Models/MFBModel.swift:MFBModel.init): the stored properties CellAttentionModel requires (a protocol cannot store them) and the seeded start of every model's init; the shared encoders are makeCellAttentionEncoders.
    public init(_ configuration: VQAModelConfiguration) throws {
        self.configuration = configuration
        var generator = RandomGenerator(seed: configuration.seed)
        let width = configuration.width
        (image, question, cellProjection) = try makeCellAttentionEncoders(configuration, generator: &generator)
        hops = (0..<2).map { _ in CrossModalAttentionFusion(queryWidth: width, keyWidth: width, headCount: 4, generator: &generator) }
        classifier = multilayerPerceptron([3 * width, 2 * width, configuration.answerCount], generator: &generator)
        super.init()
    }

    public func callAsFunction(images: Tensor, questions: Tensor) -> Tensor {
        let (perImage, map, q, cells) = encodeCells(images: images, questions: questions)   // q: [B·Q, d], cells: [B, HW, d]
        let width = q.shape[1]
        var state = q.reshaped([images.shape[0], perImage, width])
        var outputs = [q]
        for (index, hop) in hops.enumerated() {
            state = hop.attended(queries: state, keys: cells)
            outputs.append(state.reshaped([q.shape[0], width]))
            if index == 0, !isTraining, let weights = hop.lastWeights {
                lastImageAttention = weights.reshaped([q.shape[0], map.shape[2], map.shape[3]])
            }
        }
        return classifier(Tensor.concatenate(outputs, alongAxis: 1))
    }
}
