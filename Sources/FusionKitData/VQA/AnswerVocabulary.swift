/// The answers a model chooses among: the K most frequent answers of the training split (ties in
/// alphabetical order), each answer normalised first the way its data set is scored.
public struct AnswerVocabulary: Codable, Equatable, Sendable {
    /// How answers are made comparable before counting and matching.
    public enum Normalization: String, Codable, Sendable {
        /// Trimmed, lowercase, inner spaces collapsed (CLEVR, JSON lines).
        case plain
        /// The official VQA evaluation's normalisation (punctuation, articles, number words,
        /// contractions; `VQAAnswerNormalization`).
        case vqa
    }

    public let answers: [String]
    public let normalization: Normalization
    private let indexOfAnswer: [String: Int]

    public init(answers: [String], normalization: Normalization) {
        self.answers = answers
        self.normalization = normalization
        indexOfAnswer = Dictionary(answers.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The `maximumCount` most frequent answers among `humanAnswers` (each question's list of
    /// human answers; every answer counts once per person who gave it).
    public init(building humanAnswers: some Sequence<[String]>, maximumCount: Int, normalization: Normalization) {
        var counts: [String: Int] = [:]
        for answers in humanAnswers {
            for answer in answers { counts[Self.normalize(answer, normalization), default: 0] += 1 }
        }
        let kept = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(Swift.max(maximumCount, 1)).map(\.key)
        self.init(answers: kept, normalization: normalization)
    }

    private enum CodingKeys: String, CodingKey { case answers, normalization }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(answers: try container.decode([String].self, forKey: .answers),
                  normalization: try container.decode(Normalization.self, forKey: .normalization))
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(answers, forKey: .answers)
        try container.encode(normalization, forKey: .normalization)
    }

    public var count: Int { answers.count }

    /// The class of `answer` (normalised first), nil when it is not among the kept answers.
    public func index(of answer: String) -> Int? { indexOfAnswer[Self.normalize(answer, normalization)] }

    /// `answer` normalised by `normalization`.
    public static func normalize(_ answer: String, _ normalization: Normalization) -> String {
        switch normalization {
        case .plain: return answer.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        case .vqa: return VQAAnswerNormalization.normalize(answer)
        }
    }
}
