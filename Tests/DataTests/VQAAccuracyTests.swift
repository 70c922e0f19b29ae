import Foundation
import Testing
@testable import FusionKitData

/// The official VQA v2 evaluation's verdicts, written by
/// Tests/Fixtures/vqa_eval/make_vqa_eval_table.py from the script itself.
private struct VQAEvalTable: Decodable {
    // Deliberate pattern (same shape as Tests/FusionKitTests/Text/CLIPTokenizerTests.swift:RejectedVocabularyFile): each fixture file's records are declared field by field, as that file holds them.
    struct Row: Decodable {
        var id: Int
        var prediction: String
        var humanAnswers: [String]
        var humanAnswersAsCompared: [String]
        var normalizedPrediction: String
        var accuracy: Double
        var questionType: String
        var answerType: String
    }

    struct Aggregate: Decodable {
        struct Rounded: Decodable {
            var overall: Double
            var perQuestionType: [String: Double]
            var perAnswerType: [String: Double]
        }

        var overall: Double
        var perQuestionType: [String: Double]
        var perAnswerType: [String: Double]
        var scriptRoundedPercent: Rounded
    }

    struct Tables: Decodable {
        var punctuation: [String]
        var numberWords: [String: String]
        var articles: [String]
        var contractions: [String: String]
        var periodPattern: String
        var commaPattern: String
    }

    var rowsCount: Int
    var aggregate: Aggregate
    var scriptTables: Tables
    var rows: [Row]

    static func load() throws -> VQAEvalTable {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Fixtures/vqa_eval/vqa_eval_table.json")
        // The table's snake_case keys become the fields' names.
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(VQAEvalTable.self, from: Data(contentsOf: url))
    }
}

/// Python's `==` on strings: the same code points (Swift's `==` would accept canonical equivalents).
private func same(_ lhs: String, _ rhs: String) -> Bool {
    Array(lhs.unicodeScalars) == Array(rhs.unicodeScalars)
}

private func same(_ lhs: [String], _ rhs: [String]) -> Bool {
    lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { same($0, $1) }
}

private func escaped(_ text: String) -> String {
    text.unicodeScalars.map {
        (0x20..<0x7F).contains($0.value) ? String($0) : "\\u{\(String($0.value, radix: 16))}"
    }.joined()
}

@Suite("VQA v2 evaluation")
struct VQAAccuracyTests {
    @Test("every row of the script's table: normalised prediction, human answers as compared, accuracy")
    func tableMatchesScript() throws {
        let table = try VQAEvalTable.load()
        #expect(table.rows.count == table.rowsCount)
        #expect(table.rows.count >= 700)
        var failures: [String] = []
        for row in table.rows {
            let normalized = VQAAnswerNormalization.normalize(row.prediction)
            if !same(normalized, row.normalizedPrediction) {
                failures.append("row \(row.id): normalize(\"\(escaped(row.prediction))\") = \"\(escaped(normalized))\", "
                    + "script \"\(escaped(row.normalizedPrediction))\"")
            }
            let compared = VQAAnswerNormalization.humanAnswersAsCompared(row.humanAnswers)
            if !same(compared, row.humanAnswersAsCompared) {
                failures.append("row \(row.id): human answers as compared \(compared.map(escaped)), "
                    + "script \(row.humanAnswersAsCompared.map(escaped))")
            }
            let accuracy = VQAAccuracy.score(prediction: row.prediction, humanAnswers: row.humanAnswers)
            if abs(accuracy - row.accuracy) > 1e-12 {
                failures.append("row \(row.id): accuracy \(accuracy), script \(row.accuracy) "
                    + "(prediction \"\(escaped(row.prediction))\")")
            }
        }
        let report = failures.prefix(25).joined(separator: "\n")
        #expect(failures.isEmpty, "\(failures.count) disagreements with the script:\n\(report)")
    }

    @Test("overall, per question type and per answer type as the script aggregates them")
    func aggregatesMatchScript() throws {
        let table = try VQAEvalTable.load()
        let summary = VQAAccuracy.evaluate(table.rows.map {
            VQAEvaluationQuestion(prediction: $0.prediction, humanAnswers: $0.humanAnswers,
                                  questionType: $0.questionType, answerType: $0.answerType)
        })
        let expected = table.aggregate
        #expect(abs(summary.overall - expected.overall) < 1e-12)
        #expect(Set(summary.perQuestionType.keys) == Set(expected.perQuestionType.keys))
        #expect(Set(summary.perAnswerType.keys) == Set(expected.perAnswerType.keys))
        for (type, value) in expected.perQuestionType {
            #expect(abs((summary.perQuestionType[type] ?? .nan) - value) < 1e-12, "question type \(type)")
        }
        for (type, value) in expected.perAnswerType {
            #expect(abs((summary.perAnswerType[type] ?? .nan) - value) < 1e-12, "answer type \(type)")
        }
        // The script reports 100 × these, rounded to two decimals.
        let rounded = expected.scriptRoundedPercent
        #expect(abs(100 * summary.overall - rounded.overall) <= 0.005 + 1e-9)
        for (type, value) in rounded.perAnswerType {
            #expect(abs(100 * (summary.perAnswerType[type] ?? .nan) - value) <= 0.005 + 1e-9)
        }
        for (type, value) in rounded.perQuestionType {
            #expect(abs(100 * (summary.perQuestionType[type] ?? .nan) - value) <= 0.005 + 1e-9)
        }
    }

    @Test("the normalisation tables equal the script's")
    func tablesMatchScript() throws {
        let tables = try VQAEvalTable.load().scriptTables
        #expect(VQAAnswerNormalization.punctuationMarks.map { String($0) } == tables.punctuation)
        #expect(VQAAnswerNormalization.numberWords == tables.numberWords)
        #expect(VQAAnswerNormalization.articles == Set(tables.articles))
        #expect(VQAAnswerNormalization.contractions == tables.contractions)
        #expect(VQAAnswerNormalization.contractions.count == 120)
        // The patterns whose reading the code reproduces (see VQAAnswerNormalization).
        #expect(tables.periodPattern == #"(?!<=\d)(\.)(?!\d)"#)
        #expect(tables.commaPattern == #"(\d)(,)(\d)"#)
    }

    @Test("leave-one-out accuracy by number of matching humans", arguments: [
        (0, 0.0), (1, 0.3), (2, 0.6), (3, 0.9), (4, 1.0), (5, 1.0), (9, 1.0), (10, 1.0),
    ])
    func matchingHumans(matching: Int, expected: Double) {
        let humans = Array(repeating: "cat", count: matching) + Array(repeating: "dog", count: 10 - matching)
        #expect(abs(VQAAccuracy.score(prediction: "cat", humanAnswers: humans) - expected) < 1e-12)
    }

    @Test("the prediction is normalised before matching; the human answers only by their punctuation")
    func normalisationSides() {
        let three = ["2", "2", "2"] + Array(repeating: "4", count: 7)
        #expect(abs(VQAAccuracy.score(prediction: "Two.", humanAnswers: three) - 0.9) < 1e-12)
        // A ground-truth "two" is never turned into "2", so nothing matches it.
        #expect(VQAAccuracy.score(prediction: "two", humanAnswers: Array(repeating: "two", count: 10)) == 0)
        // Identical human answers are left alone; differing ones lose their punctuation.
        #expect(VQAAccuracy.score(prediction: "1,000", humanAnswers: Array(repeating: "1,000", count: 10)) == 0)
        #expect(VQAAccuracy.score(prediction: "1,000",
                                  humanAnswers: Array(repeating: "1,000", count: 9) + ["1000"]) == 1)
        #expect(VQAAccuracy.score(prediction: "", humanAnswers: []) == 0)
    }

    @Test("a few normalisations spelled out")
    func normalisationExamples() {
        let cases: [(String, String)] = [
            ("A Dog", "dog"), ("Two", "2"), ("none", "0"), ("dont", "don't"), ("Im", "im"), ("yes.", "yes"),
            ("3.5", "3.5"), ("1,000", "1000"), ("it's", "it's"), ("t-shirt", "t shirt"), ("t - shirt", "t shirt"),
            ("somebody'd", "somebodyd"), (" \n yes \t", "yes"), ("u.s.a.", "usa"), ("", ""), ("the", ""),
            ("ΟΔΟΣ", "οδος"), ("\u{1C}yes\u{85}", "yes"),
        ]
        for (raw, normalized) in cases {
            #expect(same(VQAAnswerNormalization.normalize(raw), normalized), "\(raw.debugDescription)")
        }
        // At most 32 periods are removed.
        #expect(VQAAnswerNormalization.normalize(String(repeating: ".", count: 40)) == "........")
    }

    @Test("soft targets follow the leave-one-out rule")
    func softTargets() {
        let humans = ["red"] + ["blue", "blue"] + ["green", "green", "green"] + ["white", "white", "white", "white"]
        let targets = VQAAccuracy.softTargets(humanAnswers: humans)
        #expect(Set(targets.keys) == ["red", "blue", "green", "white"])
        #expect(abs(targets["red"]! - 0.3) < 1e-12)
        #expect(abs(targets["blue"]! - 0.6) < 1e-12)
        #expect(abs(targets["green"]! - 0.9) < 1e-12)
        #expect(targets["white"] == 1.0)
        for (answer, target) in targets {
            #expect(target == VQAAccuracy.score(prediction: answer, humanAnswers: humans))
        }
        #expect(VQAAccuracy.softTargets(humanAnswers: Array(repeating: "yes", count: 10)) == ["yes": 1.0])
        // Keys are the human answers as compared: punctuation processed when the answers differ.
        let punctuated = VQAAccuracy.softTargets(
            humanAnswers: Array(repeating: "t-shirt", count: 7) + Array(repeating: "shirt", count: 3))
        #expect(Set(punctuated.keys) == ["t shirt", "shirt"])
        #expect(punctuated["t shirt"] == 1.0)
        #expect(abs((punctuated["shirt"] ?? 0) - 0.9) < 1e-12)
        #expect(VQAAccuracy.softTargets(humanAnswers: []).isEmpty)
    }
}
