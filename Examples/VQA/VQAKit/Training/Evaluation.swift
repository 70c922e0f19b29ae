import FusionKit

/// The subtype names and kinds of Sort-of-CLEVR, in the order of their indices.
public struct QuestionTypes: Sendable {
    public var names: [String]
    public var isRelational: [Bool]
    public init(names: [String], isRelational: [Bool]) {
        self.names = names
        self.isRelational = isRelational
    }
    public func emptyTable() -> AccuracyTable { AccuracyTable(subtypeNames: names, subtypeIsRelational: isRelational) }
}

/// Runs `model` in evaluation mode over every question of `data` (or of the images in `selection`).
public func evaluate(_ model: any VQAModel, on data: VQAData, types: QuestionTypes, images selection: [Int]? = nil,
                     imagesPerBatch: Int = 50) -> AccuracyTable {
    let wasTraining = model.isTraining
    model.eval()
    defer { if wasTraining { model.train() } }
    var table = types.emptyTable()
    let chosen = selection ?? Array(0..<data.imageCount)
    for first in stride(from: 0, to: chosen.count, by: imagesPerBatch) {
        let images = Array(chosen[first..<Swift.min(first + imagesPerBatch, chosen.count)])
        let rows = data.questionRows(images)
        let predictions = withoutGradient {
            model(images: data.images(images), questions: data.questions(rows: rows)).argmax(alongAxis: 1)
        }.scalars
        for (slot, row) in rows.enumerated() {
            table.record(subtype: Int(data.subtypes[row]), isCorrect: Int(predictions[slot]) == Int(data.answers[row]))
        }
    }
    return table
}
