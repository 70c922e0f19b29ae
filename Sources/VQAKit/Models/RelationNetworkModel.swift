import FusionKit

/// The Relation Network of Santoro et al. (2017): the CNN's 5×5 cells (24 channels plus their
/// coordinates) are the objects, and `RelationNetworkFusion` runs g_θ on every ordered pair of
/// cells with the question, averages, and reads the average with f_φ.
public final class RelationNetworkModel: Module, VQAModel {
    public let configuration: VQAModelConfiguration
    public let image: ImageEncoder
    public let question: any QuestionEncoding
    public let relations: RelationNetworkFusion

    public init(_ configuration: VQAModelConfiguration) throws {
        self.configuration = configuration
        var generator = RandomGenerator(seed: configuration.seed)
        let channels = 24, hidden = 2 * configuration.width
        image = try configuration.makeImageEncoder([(channels, 2), (channels, 2), (channels, 2), (channels, 2)], generator: &generator)
        question = try makeQuestionEncoder(configuration, width: configuration.width, generator: &generator)
        relations = RelationNetworkFusion(objectWidth: channels + 2, questionWidth: configuration.width,
                                          gWidths: [hidden, hidden, hidden], fWidths: [hidden, hidden, configuration.answerCount],
                                          generator: &generator)
        super.init()
    }

    public func callAsFunction(images: Tensor, questions: Tensor) -> Tensor {
        let perImage = questionsPerImage(images: images, questions: questions, model: "RelationNetworkModel")
        // The two encoders side by side when no gradient is recorded (Parallel.concurrently).
        let (objects, sentence) = Parallel.concurrently({ image.tokens(image(images)) },       // [B, 25, 26]
                                                        { question(questions).final })
        let pairCount = objects.shape[1] * objects.shape[1]
        // The mean over the 625 pairs rather than the paper's sum keeps f_φ's input at the scale of one pair.
        let pooled = relations.pooledRelations(objects: repeatPerQuestion(objects, questionsPerImage: perImage),
                                               question: sentence, scale: 1 / Float(pairCount))
        return relations.f(pooled)
    }
}
