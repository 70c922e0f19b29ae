import FusionKit

/// The models that attend from the question over projected image cells (``CrossAttentionModel``,
/// ``MFBModel``) build and run their encoders the same way; this protocol says what they share.
protocol CellAttentionModel: VQAModel {
    var image: ImageEncoder { get }
    var question: any QuestionEncoding { get }
    /// Each cell's features with its centre (`width + 2`) to `width`.
    var cellProjection: Linear { get }
}

/// The encoders of a ``CellAttentionModel``, drawn from `generator` in this order: the image encoder
/// (3×3 convolutions to 32, `width` and `width` channels, each with stride 2), the question
/// encoder, and the cell projection.
func makeCellAttentionEncoders(_ configuration: VQAModelConfiguration, generator: inout RandomGenerator) throws
    -> (image: ImageEncoder, question: any QuestionEncoding, cellProjection: Linear) {
    let width = configuration.width
    let image = try configuration.makeImageEncoder([(32, 2), (width, 2), (width, 2)], generator: &generator)
    let question = try makeQuestionEncoder(configuration, width: width, generator: &generator)
    return (image, question, Linear(width + 2, width, generator: &generator))
}

extension CellAttentionModel {
    /// The first steps of the forward pass: the questions per image (checked), the image's feature
    /// map [B, C, H, W] and the questions' final states [B·Q, d], computed side by side when no
    /// gradient is recorded (`Parallel.concurrently`), and the projected cells [B, HW, d].
    func encodeCells(images: Tensor, questions: Tensor)
        -> (perImage: Int, map: Tensor, questions: Tensor, cells: Tensor) {
        let perImage = questionsPerImage(images: images, questions: questions, model: String(describing: Self.self))
        let (map, q) = Parallel.concurrently({ image(images) }, { question(questions).final })
        let cells = cellProjection(image.tokens(map)).relu()
        return (perImage, map, q, cells)
    }
}
