import FusionKit

/// A batch of images with their questions, in the form every VQA model of FusionKit takes: images
/// [B, C, H, W] and questions [B·Q, L] in image-major order (rows `b·Q ..< (b+1)·Q` ask about
/// image `b`). Images carry different numbers of questions, so Q is the largest count in the
/// batch and the other images' lists are padded with empty questions (all token ids 0) that have
/// no target and are not scored — each image is still encoded once.
public struct VQABatch: Sendable {
    public var images: Tensor
    /// Token ids as floats, [B·Q, L].
    public var questions: Tensor
    public var questionsPerImage: Int
    /// Each row's question, nil for padding.
    public var rows: [VQAQuestionExample?]
    /// The class of each row when every real question has at most one target, of score 1 (CLEVR,
    /// JSON lines, Sort-of-CLEVR); −1 marks rows to ignore (padding, answers outside the classes).
    public var answerIndices: Tensor?
    /// Otherwise each row's target scores [B·Q, K] (VQA v2's ten human answers).
    public var answerScores: Tensor?

    /// The class index marking rows that add nothing to the loss.
    public static let ignoredAnswer = -1

    /// Stacks `examples` (all images of one size) into a batch for a model with `answerCount` classes.
    public init(collating examples: [VQAImageExample], answerCount: Int) {
        precondition(!examples.isEmpty, "VQABatch: no examples to collate")
        let perImage = Swift.max(1, examples.map(\.questions.count).max() ?? 1)
        let length = examples.lazy.flatMap(\.questions).first?.tokens.count ?? 1
        images = Tensor(stacking: examples.map(\.image))
        var rows: [VQAQuestionExample?] = []
        for example in examples {
            rows += example.questions.map { Optional($0) }
            rows += Array(repeating: nil, count: perImage - example.questions.count)
        }
        var tokens = [Float](repeating: 0, count: rows.count * length)
        for (row, question) in rows.enumerated() {
            guard let question else { continue }
            precondition(question.tokens.count == length, "VQABatch: questions of \(question.tokens.count) and \(length) tokens")
            for (position, id) in question.tokens.enumerated() { tokens[row * length + position] = Float(id) }
        }
        questions = Tensor(tokens, shape: [rows.count, length])
        questionsPerImage = perImage
        self.rows = rows
        let singleAnswers = rows.allSatisfy { row in
            guard let row else { return true }
            return row.targets.count <= 1 && row.targets.allSatisfy { $0.score == 1 }
        }
        if singleAnswers {
            answerIndices = Tensor(rows.map { Float($0?.targets.first?.answer ?? Self.ignoredAnswer) }, shape: [rows.count])
        } else {
            var scores = [Float](repeating: 0, count: rows.count * answerCount)
            for (row, question) in rows.enumerated() {
                for target in question?.targets ?? [] { scores[row * answerCount + target.answer] = Float(target.score) }
            }
            answerScores = Tensor(scores, shape: [rows.count, answerCount])
        }
    }

    /// The questions that are not padding.
    public var questionCount: Int { rows.lazy.filter { $0 != nil }.count }

    /// The training loss of `logits` [B·Q, K]: cross-entropy with the class of each question
    /// (ignoring padding and answers outside the classes), or with its soft scores (−Σ score ·
    /// log softmax), averaged over the questions that are not padding.
    public func loss(_ logits: Tensor) -> Tensor {
        if let answerIndices {
            let counted = answerIndices.scalars.filter { $0 >= 0 }.count
            if counted == 0 { return (logits * 0).sum() }
            return crossEntropyLoss(logits: logits, targets: answerIndices, ignoreIndex: Self.ignoredAnswer)
        }
        let scores = answerScores!
        return (logits.logSoftmax(alongAxis: 1) * scores).sum() * (-1 / Float(Swift.max(questionCount, 1)))
    }
}
