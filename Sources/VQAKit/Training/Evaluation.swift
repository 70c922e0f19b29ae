import FusionKit
import FusionKitData

/// The question types of a data set, in the order of their indices, and which are relational
/// (only Sort-of-CLEVR marks any).
public struct QuestionTypes: Sendable {
    public var names: [String]
    public var isRelational: [Bool]
    public init(names: [String], isRelational: [Bool]) {
        self.names = names
        self.isRelational = isRelational
    }
    /// Types without kinds, as a data set on disk names them.
    public init(names: [String]) { self.init(names: names, isRelational: names.map { _ in false }) }
    public func emptyTable() -> AccuracyTable { AccuracyTable(subtypeNames: names, subtypeIsRelational: isRelational) }
}

/// Runs `model` in evaluation mode over every question of `data` (or of the images in
/// `selection`) and scores each answer: 1 or 0 for a single answer, VQA v2's score for ten human
/// answers. Images are loaded by a background worker, `imagesPerBatch` at a time.
public func evaluate<Data: Dataset>(_ model: any VQAModel, on data: Data, types: QuestionTypes, images selection: [Int]? = nil,
                                    imagesPerBatch: Int = 50, workers: Int = 1) throws -> AccuracyTable
where Data.Example == VQAImageExample {
    let wasTraining = model.isTraining
    model.eval()
    defer { if wasTraining { model.train() } }
    var table = types.emptyTable()
    let chosen = DatasetSubset(data, indices: selection ?? Array(0..<data.count))
    guard chosen.count > 0 else { return table }
    let answerCount = model.configuration.answerCount
    let loader = try DataLoader(chosen, batchSize: imagesPerBatch, shuffle: false, workers: workers) { examples, _ in
        VQABatch(collating: examples, answerCount: answerCount)
    }
    let batches = loader.batches(epoch: 0)
    while let batch = try batches.next() {
        let predictions = withoutGradient {
            model(images: batch.images, questions: batch.questions).argmax(alongAxis: 1)
        }.scalars
        for (row, question) in batch.rows.enumerated() {
            guard let question else { continue }
            table.record(subtype: question.type, score: question.score(ofPredicting: Int(predictions[row])))
        }
    }
    return table
}
