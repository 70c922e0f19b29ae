import Foundation
import FusionKit
import SortOfCLEVR
import Testing
import VQAKit

@Suite("Learning")
struct LearningTests {
    /// The accuracy and cross-entropy of the best answer-prior model: for each subtype, the
    /// frequencies of its answers in `data` (what a model that ignores the image can reach).
    func prior(_ data: VQAData) -> (accuracy: Double, loss: Double) {
        var counts: [Int: [Int32: Int]] = [:]
        for (subtype, answer) in zip(data.subtypes, data.answers) { counts[Int(subtype), default: [:]][answer, default: 0] += 1 }
        var correct = 0, loss = 0.0
        for (subtype, answer) in zip(data.subtypes, data.answers) {
            let table = counts[Int(subtype)]!, total = Double(table.values.reduce(0, +))
            if table[answer]! == table.values.max()! { correct += 1 }
            loss -= log(Double(table[answer]!) / total)
        }
        return (Double(correct) / Double(data.answers.count), loss / Double(data.answers.count))
    }

    @Test("a short training run learns: on a few images, loss and accuracy go well past what the answer prior allows")
    func shortRunLearns() throws {
        let data = smallData(seed: 31, images: 4)
        let model = try smallModel("concat-mlp")
        let options = TrainingOptions(epochs: 60, batchSize: 2, learningRate: 3e-3, warmupSteps: 5, shuffleSeed: 2)
        let trainer = Trainer(model: model, options: options, dataIdentity: "four images")
        trainer.showsProgress = false
        try trainer.train(on: data, test: data, types: .sortOfCLEVR, checkpoint: nil)
        let baseline = prior(data)
        let loss = trainer.history.epochs.last!.trainingLoss
        let accuracy = try evaluate(model, on: data, types: .sortOfCLEVR).overall
        #expect(loss < 0.5 * baseline.loss, "loss \(loss), prior \(baseline.loss)")
        #expect(accuracy > baseline.accuracy + 0.15, "accuracy \(accuracy), prior \(baseline.accuracy)")
    }
}
