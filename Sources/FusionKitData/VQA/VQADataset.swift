import Foundation

/// A split of a VQA data set on disk as a `Dataset` of images with their questions: example `i`
/// decodes the `i`-th distinct image file (PNG or JPEG), prepares it with `preprocessing`, and
/// encodes each of its questions with the word and answer vocabularies. Images are read when
/// asked for, never all held in memory.
///
/// The vocabularies come from the training split (`VQAVocabularies.build`) and are reused for
/// every other split, so a model's classes mean the same answers everywhere.
public struct VQADataset: Dataset {
    public let split: VQASplit
    /// The distinct image paths (relative to `split.imageFolder`) in order of first appearance.
    public let images: [String]
    /// For each image, the indices of its questions in `split.questions`.
    public let questionsOfImage: [[Int]]
    public let vocabularies: VQAVocabularies
    public let preprocessing: ImagePreprocessing
    /// The type names accuracy is reported by (`VQAQuestionExample.type` indexes them).
    public let typeNames: [String]
    private let typeIndex: [String: Int]

    public init(split: VQASplit, vocabularies: VQAVocabularies, preprocessing: ImagePreprocessing) {
        self.split = split
        (images, questionsOfImage) = split.groupedByImage()
        self.vocabularies = vocabularies
        self.preprocessing = preprocessing
        typeNames = Self.typeNames(of: split)
        typeIndex = Dictionary(uniqueKeysWithValues: typeNames.enumerated().map { ($1, $0) })
    }

    /// The sorted type names of `split`'s questions; "all" when none has a type, "untyped" for
    /// those without one when others have.
    public static func typeNames(of split: VQASplit) -> [String] {
        let types = Set(split.questions.map { $0.type ?? "untyped" })
        return split.questions.allSatisfy({ $0.type == nil }) ? ["all"] : types.sorted()
    }

    public var count: Int { images.count }

    /// The number of questions over all images.
    public var questionCount: Int { split.questions.count }

    public func example(at index: Int) throws -> VQAImageExample {
        let url = split.imageURL(split.questions[questionsOfImage[index][0]])
        let planes = try ImageFile.decode(contentsOf: url).planes()
        return VQAImageExample(image: preprocessing(planes), questions: questionsOfImage[index].map(question))
    }

    /// Question `record` of the split, encoded (without its image).
    public func question(_ record: Int) -> VQAQuestionExample {
        let entry = split.questions[record]
        return VQAQuestionExample(tokens: vocabularies.words.encode(entry.question, length: vocabularies.questionLength).ids,
                                  targets: VQATargets.targets(humanAnswers: entry.answers, answers: vocabularies.answers),
                                  type: typeNames.count == 1 && typeNames[0] == "all" ? 0 : typeIndex[entry.type ?? "untyped"] ?? 0,
                                  record: record)
    }
}

/// The word and answer vocabularies and the question length of a model trained on a data set;
/// they travel inside its checkpoints.
public struct VQAVocabularies: Codable, Equatable, Sendable {
    public var words: WordVocabulary
    public var answers: AnswerVocabulary
    /// Tokens per question (longer questions are cut).
    public var questionLength: Int

    // Deliberate pattern (same shape as Sources/VQAKit/Models/VQAModelConfiguration.swift:VQADataSettings.init): a public memberwise initializer (Swift synthesizes only an internal one) of an unrelated type.
    public init(words: WordVocabulary, answers: AnswerVocabulary, questionLength: Int) {
        self.words = words
        self.answers = answers
        self.questionLength = questionLength
    }

    /// The vocabularies of a training split: words seen at least `minimumWordCount` times, the
    /// `answerCount` most frequent answers (normalised as VQA v2 scores them for that layout),
    /// and the longest question's length up to `maximumQuestionLength`.
    public static func build(from training: VQASplit, minimumWordCount: Int = 1, answerCount: Int = 1000,
                             maximumQuestionLength: Int = 30) -> VQAVocabularies {
        let words = WordVocabulary(building: training.questions.map(\.question), minimumCount: minimumWordCount)
        let answers = AnswerVocabulary(building: training.questions.map(\.answers), maximumCount: answerCount,
                                       normalization: training.format == .vqaV2 ? .vqa : .plain)
        let longest = training.questions.map { WordVocabulary.tokenize($0.question).count }.max() ?? 1
        return VQAVocabularies(words: words, answers: answers,
                               questionLength: Swift.max(1, Swift.min(longest, maximumQuestionLength)))
    }
}
