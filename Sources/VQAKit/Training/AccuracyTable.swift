import Foundation

/// Accuracy of a model's answers overall, by kind (non-relational, relational) and by subtype
/// (a data set's question types or families).
public struct AccuracyTable: Codable, Equatable, Sendable {
    /// The summed scores (1 per correct answer, or VQA v2's fractional scores) and the question
    /// counts per subtype, in `subtypeNames` order.
    public var correct: [Double]
    public var total: [Int]
    public var subtypeNames: [String]
    /// Whether each subtype is relational.
    public var subtypeIsRelational: [Bool]

    public init(subtypeNames: [String], subtypeIsRelational: [Bool]) {
        self.subtypeNames = subtypeNames
        self.subtypeIsRelational = subtypeIsRelational
        correct = Array(repeating: 0, count: subtypeNames.count)
        total = Array(repeating: 0, count: subtypeNames.count)
    }

    public mutating func record(subtype: Int, isCorrect: Bool) {
        record(subtype: subtype, score: isCorrect ? 1 : 0)
    }

    /// One answer scoring `score` in [0, 1].
    public mutating func record(subtype: Int, score: Double) {
        total[subtype] += 1
        correct[subtype] += score
    }

    /// Whether some subtype is relational (Sort-of-CLEVR): the table then shows both kinds.
    public var hasKinds: Bool { subtypeIsRelational.contains(true) }

    private func fraction(_ keep: (Int) -> Bool) -> Double {
        let indices = subtypeNames.indices.filter(keep)
        let t = indices.reduce(0) { $0 + total[$1] }
        return t == 0 ? 0 : indices.reduce(0) { $0 + correct[$1] } / Double(t)
    }

    public var overall: Double { fraction { _ in true } }
    public var relational: Double { fraction { subtypeIsRelational[$0] } }
    public var nonRelational: Double { fraction { !subtypeIsRelational[$0] } }
    public var questionCount: Int { total.reduce(0, +) }
    public func accuracy(subtype: Int) -> Double { total[subtype] == 0 ? 0 : correct[subtype] / Double(total[subtype]) }

    /// A markdown table: overall, both kinds, then every subtype.
    public var markdown: String {
        func row(_ name: String, _ value: Double, _ count: Int) -> String {
            "| \(name) | \(String(format: "%.2f%%", value * 100)) | \(count) |"
        }
        var lines = ["| questions | accuracy | count |", "|---|---:|---:|"]
        lines.append(row("overall", overall, questionCount))
        if hasKinds {
            let relationalCount = subtypeNames.indices.filter { subtypeIsRelational[$0] }.reduce(0) { $0 + total[$1] }
            lines.append(row("non-relational", nonRelational, questionCount - relationalCount))
            lines.append(row("relational", relational, relationalCount))
        }
        for index in subtypeNames.indices {
            let kind = hasKinds ? (subtypeIsRelational[index] ? " (relational)" : " (non-relational)") : ""
            lines.append(row("  \(subtypeNames[index])\(kind)", accuracy(subtype: index), total[index]))
        }
        return lines.joined(separator: "\n")
    }

    /// The same numbers as JSON (fractions in 0...1).
    public var json: String {
        var object: [String: Any] = ["overall": overall, "relational": relational, "non_relational": nonRelational,
                                     "questions": questionCount]
        var subtypes: [String: Any] = [:]
        for index in subtypeNames.indices {
            subtypes[subtypeNames[index]] = ["accuracy": accuracy(subtype: index), "correct": correct[index],
                                             "total": total[index], "relational": subtypeIsRelational[index]]
        }
        object["subtypes"] = subtypes
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
