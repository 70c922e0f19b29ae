/// One question to evaluate: the model's answer, the raw human answers and the question's types as the
/// VQA v2 annotation file gives them (`question_type`, e.g. "what color is the"; `answer_type`,
/// "yes/no", "number" or "other").
public struct VQAEvaluationQuestion: Sendable, Equatable {
    public var prediction: String
    public var humanAnswers: [String]
    public var questionType: String
    public var answerType: String

    public init(prediction: String, humanAnswers: [String], questionType: String, answerType: String) {
        self.prediction = prediction
        self.humanAnswers = humanAnswers
        self.questionType = questionType
        self.answerType = answerType
    }
}

/// The official VQA v2 evaluation's results, unrounded fractions in 0...1. The script (`VQAEval.evaluate`
/// then `setAccuracy`) reports each as 100 times the value rounded to two decimals; otherwise these are
/// its numbers: the overall accuracy is the plain mean of the per-question accuracies (every question
/// weighs the same), and the accuracy of a question type or answer type is the plain mean over the
/// questions of that type.
public struct VQAEvaluationSummary: Sendable, Equatable {
    /// Each question's accuracy, in the order given.
    public var perQuestion: [Double]
    /// The mean of `perQuestion`; 0 when there are no questions.
    public var overall: Double
    public var perQuestionType: [String: Double]
    public var perAnswerType: [String: Double]

    public init(perQuestion: [Double], overall: Double, perQuestionType: [String: Double],
                perAnswerType: [String: Double]) {
        self.perQuestion = perQuestion
        self.overall = overall
        self.perQuestionType = perQuestionType
        self.perAnswerType = perAnswerType
    }
}

extension VQAAccuracy {
    /// Scores every question and aggregates as the script does (sums taken in the order given).
    public static func evaluate(_ questions: [VQAEvaluationQuestion]) -> VQAEvaluationSummary {
        var perQuestion: [Double] = []
        perQuestion.reserveCapacity(questions.count)
        var total = 0.0
        var byQuestionType: [String: (sum: Double, count: Int)] = [:]
        var byAnswerType: [String: (sum: Double, count: Int)] = [:]
        for question in questions {
            let accuracy = score(prediction: question.prediction, humanAnswers: question.humanAnswers)
            perQuestion.append(accuracy)
            total += accuracy
            byQuestionType[question.questionType, default: (0, 0)].sum += accuracy
            byQuestionType[question.questionType, default: (0, 0)].count += 1
            byAnswerType[question.answerType, default: (0, 0)].sum += accuracy
            byAnswerType[question.answerType, default: (0, 0)].count += 1
        }
        return VQAEvaluationSummary(
            perQuestion: perQuestion,
            overall: questions.isEmpty ? 0 : total / Double(questions.count),
            perQuestionType: byQuestionType.mapValues { $0.sum / Double($0.count) },
            perAnswerType: byAnswerType.mapValues { $0.sum / Double($0.count) }
        )
    }
}
