/// The accuracy of the official VQA v2 evaluation (the VQA challenge's `vqaEval.py`, class `VQAEval`),
/// as a fraction in 0...1; the script reports 100 times it, rounded to two decimals.
///
/// For one question with N human answers (ten in VQA v2), the script leaves each human out in turn,
/// counts how many of the other N − 1 gave exactly the prediction, scores min(count / 3, 1), and
/// averages the N scores. With ten humans a prediction that k of them gave scores
/// (k · min((k − 1) / 3, 1) + (10 − k) · min(k / 3, 1)) / 10: 0, 0.3, 0.6, 0.9 and then 1 for k = 0,
/// 1, 2, 3 and k ≥ 4. "Exactly" means code point by code point after the normalisation described in
/// `VQAAnswerNormalization`: the prediction fully normalised, the human answers as
/// `VQAAnswerNormalization.humanAnswersAsCompared` gives them.
///
/// The script leaves out one annotation with `item != gtAnsDatum` on whole annotation records; in the
/// VQA v2 files each record carries its own `answer_id`, so exactly one human is left out each time,
/// which is what is done here.
public enum VQAAccuracy {
    /// The accuracy of `prediction` on one question whose humans answered `humanAnswers` (raw, as in the
    /// annotation file). No human answers score 0 (the script would divide by zero).
    public static func score(prediction: String, humanAnswers: [String]) -> Double {
        score(normalizedPrediction: VQAAnswerNormalization.normalize(prediction),
              humanAnswersAsCompared: VQAAnswerNormalization.humanAnswersAsCompared(humanAnswers))
    }

    /// `score(prediction:humanAnswers:)` for a prediction already passed through
    /// `VQAAnswerNormalization.normalize` and human answers already passed through
    /// `VQAAnswerNormalization.humanAnswersAsCompared`.
    public static func score(normalizedPrediction: String, humanAnswersAsCompared: [String]) -> Double {
        leaveOneOutAccuracy(humanAnswersAsCompared.map {
            VQAAnswerNormalization.sameCodePoints($0, normalizedPrediction)
        })
    }

    /// The soft training target of each distinct human answer of a question: the accuracy a prediction
    /// scores when its normalised form is that answer, computed with the same leave-one-out rule as
    /// `score` (one human of ten: 0.3, two: 0.6, three: 0.9, four or more: 1). The keys are the answers as
    /// the script compares them (`VQAAnswerNormalization.humanAnswersAsCompared`); a key that no
    /// normalised prediction can equal (say "Yes", with its capital) still gets the value it would have.
    /// Answers that differ in code points but are canonically equivalent are one `String` key in Swift;
    /// such a key gets the higher of their targets.
    public static func softTargets(humanAnswers: [String]) -> [String: Double] {
        let compared = VQAAnswerNormalization.humanAnswersAsCompared(humanAnswers)
        var targets: [String: Double] = [:]
        var seen: [String] = []
        for answer in compared where !seen.contains(where: { VQAAnswerNormalization.sameCodePoints($0, answer) }) {
            seen.append(answer)
            let target = score(normalizedPrediction: answer, humanAnswersAsCompared: compared)
            targets[answer] = max(targets[answer] ?? 0, target)
        }
        return targets
    }

    /// The script's per-question rule: for each human, min(#other humans matching / 3, 1), averaged
    /// over the humans, summed in order as the script sums. `matches[i]` tells whether human i gave the
    /// prediction.
    static func leaveOneOutAccuracy(_ matches: [Bool]) -> Double {
        guard !matches.isEmpty else { return 0 }
        let total = matches.reduce(0) { $0 + ($1 ? 1 : 0) }
        var sum = 0.0
        for match in matches {
            let others = total - (match ? 1 : 0)
            sum += min(1, Double(others) / 3)
        }
        return sum / Double(matches.count)
    }
}
