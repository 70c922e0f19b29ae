/// One question of an example, ready for a model: token ids, the answer classes it rewards, its type.
public struct VQAQuestionExample: Sendable, Equatable {
    /// Token ids padded with 0 to the data set's question length.
    public var tokens: [Int32]
    /// The answer classes this question rewards and by how much (the score a prediction of that
    /// class earns): one class with score 1 for a single answer, VQA v2's soft scores for ten
    /// human answers; empty when no answer is among the model's classes (the question then
    /// adds nothing to the loss and scores 0).
    public var targets: [AnswerTarget]
    /// The index of the question's type in the data set's `typeNames`.
    public var type: Int
    /// The question's index in its split (to report it or look up its text).
    public var record: Int

    public init(tokens: [Int32], targets: [AnswerTarget], type: Int, record: Int) {
        self.tokens = tokens
        self.targets = targets
        self.type = type
        self.record = record
    }

    /// The score of predicting answer class `answer`.
    public func score(ofPredicting answer: Int) -> Double {
        targets.first { $0.answer == answer }?.score ?? 0
    }
}

/// An answer class and the score predicting it earns.
public struct AnswerTarget: Sendable, Equatable, Codable {
    public var answer: Int
    /// In [0, 1]; kept in double precision so that summed scores are the official accuracy.
    public var score: Double
    // Deliberate pattern (same shape as Sources/FusionKitData/Loading/LoaderPosition.swift:LoaderPosition.init and Sources/VQAKit/Models/VQAModelConfiguration.swift:ImageBackboneSettings.init): a public memberwise initializer (Swift synthesizes only an internal one) of an unrelated type.
    public init(answer: Int, score: Double) {
        self.answer = answer
        self.score = score
    }
}

/// One image and all of its questions: the unit a VQA data set hands to the loader, so that a
/// model encodes each image once for all the questions asked about it.
public struct VQAImageExample: Sendable, Equatable {
    public var image: ImagePlanes
    public var questions: [VQAQuestionExample]
    public init(image: ImagePlanes, questions: [VQAQuestionExample]) {
        self.image = image
        self.questions = questions
    }
}
