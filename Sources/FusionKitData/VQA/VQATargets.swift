/// The answer classes a question's human answers reward.
public enum VQATargets {
    /// Targets for `humanAnswers` among the classes of `answers`. One human answer: that class
    /// (if kept) with score 1. Several: every class some human answer maps to, with the score a
    /// prediction of that class earns under the VQA rule (`VQAAccuracy`: leave each human out in
    /// turn, min(matching humans among the rest / 3, 1), averaged) — with the official
    /// normalisation for VQA v2 (so the target is exactly what the evaluation would award), with
    /// plain normalisation otherwise. Classes scoring 0 are left out.
    public static func targets(humanAnswers: [String], answers: AnswerVocabulary) -> [AnswerTarget] {
        if humanAnswers.count == 1 {
            return answers.index(of: humanAnswers[0]).map { [AnswerTarget(answer: $0, score: 1)] } ?? []
        }
        let candidates: [String]
        switch answers.normalization {
        case .vqa: candidates = humanAnswers + VQAAnswerNormalization.humanAnswersAsCompared(humanAnswers)
        case .plain: candidates = humanAnswers
        }
        let plainHumans = humanAnswers.map { AnswerVocabulary.normalize($0, .plain) }
        var scored = Set<Int>()
        var targets: [AnswerTarget] = []
        for candidate in candidates {
            guard let index = answers.index(of: candidate), scored.insert(index).inserted else { continue }
            let score: Double
            switch answers.normalization {
            case .vqa: score = VQAAccuracy.score(prediction: answers.answers[index], humanAnswers: humanAnswers)
            case .plain: score = VQAAccuracy.score(normalizedPrediction: answers.answers[index], humanAnswersAsCompared: plainHumans)
            }
            if score > 0 { targets.append(AnswerTarget(answer: index, score: score)) }
        }
        return targets.sorted { $0.answer < $1.answer }
    }
}
