import FusionKit

/// MFB with question-guided attention (Yu et al. 2017): each image cell is fused with the
/// question by multimodal factorised bilinear pooling, a linear map of the fused cells scores
/// them, the softmax of the scores pools the cells, and a second MFB fuses the pooled image with
/// the question for the answer.
public final class MFBModel: Module, VQAModel, CellAttentionModel {
    public let configuration: VQAModelConfiguration
    public let image: ImageEncoder
    public let question: any QuestionEncoding
    public let cellProjection: Linear
    public let attentionFusion: MFBFusion
    public let attentionScore: Linear
    public let answerFusion: MFBFusion
    public let classifier: Sequential
    public private(set) var lastImageAttention: Tensor?

    // Deliberate pattern (same shape as Sources/VQAKit/Models/CrossAttentionModel.swift:CrossAttentionModel.init): the stored properties CellAttentionModel requires (a protocol cannot store them) and the seeded start of every model's init; the shared encoders are makeCellAttentionEncoders.
    public init(_ configuration: VQAModelConfiguration) throws {
        self.configuration = configuration
        var generator = RandomGenerator(seed: configuration.seed)
        let width = configuration.width
        (image, question, cellProjection) = try makeCellAttentionEncoders(configuration, generator: &generator)
        attentionFusion = MFBFusion(widths: [width, width], factor: 5, outputWidth: width / 2, generator: &generator)
        attentionScore = Linear(width / 2, 1, generator: &generator)
        answerFusion = MFBFusion(widths: [width, width], factor: 5, outputWidth: 2 * width, generator: &generator)
        classifier = multilayerPerceptron([2 * width, 2 * width, configuration.answerCount], generator: &generator)
        super.init()
    }

    public func callAsFunction(images: Tensor, questions: Tensor) -> Tensor {
        let (perImage, map, q, cells) = encodeCells(images: images, questions: questions)   // q: [B·Q, d], cells: [B, HW, d]
        let (imageCount, cellCount, width) = (cells.shape[0], cells.shape[1], cells.shape[2])
        // The attention MFB of every question with every cell of its image. MFBFusion projects
        // the last axis and multiplies with broadcasting, so given cells [B, 1, HW, d] and
        // questions [B, Q, 1, d] it projects each image's cells once (not once per question) and
        // each question once (not once per cell), without repeating either side first.
        let joint = attentionFusion(cells.expandingShape(at: 1), q.reshaped([imageCount, perImage, 1, width])) // [B, Q, HW, o]
        let weights = attentionScore(joint).reshaped([imageCount, perImage, cellCount])
            .softmax(alongAxis: 2)                                                               // [B, Q, HW]
        if !isTraining { lastImageAttention = weights.detached().reshaped([q.shape[0], map.shape[2], map.shape[3]]) }
        let pooled = weights.matmul(cells).reshaped([imageCount * perImage, width])             // [B·Q, d]
        return classifier(answerFusion(pooled, q))
    }
}
