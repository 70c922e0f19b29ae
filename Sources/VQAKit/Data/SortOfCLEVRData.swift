import SortOfCLEVR

extension VQAData {
    /// The images, questions and answers of a generated or imported Sort-of-CLEVR data set.
    public init(_ dataset: SortOfCLEVRDataset) {
        self.init(imageCount: dataset.imageCount, imageSize: Scene.imageSize,
                  questionsPerImage: SortOfCLEVRDataset.questionsPerImage,
                  questionLength: QuestionVocabulary.maximumQuestionLength, pixels: dataset.images,
                  tokens: dataset.tokenIDs, answers: dataset.questions.map { Int32($0.answer.rawValue) },
                  kinds: dataset.questions.map { Int32($0.kind.rawValue) },
                  subtypes: dataset.questions.map { Int32($0.subtype.rawValue) })
    }
}

extension QuestionTypes {
    /// Sort-of-CLEVR's six subtypes, in index order.
    public static let sortOfCLEVR = QuestionTypes(names: QuestionSubtype.allCases.map(\.name),
                                                  isRelational: QuestionSubtype.allCases.map { $0.kind == .relational })
}

extension VQAModelConfiguration {
    /// A configuration for Sort-of-CLEVR's vocabulary and answers.
    public static func sortOfCLEVR(model: String, width: Int = 64, seed: UInt64 = 1) -> VQAModelConfiguration {
        VQAModelConfiguration(model: model, vocabularySize: QuestionVocabulary.count, answerCount: Answer.allCases.count,
                              width: width, seed: seed)
    }
}
