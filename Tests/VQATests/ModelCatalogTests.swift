import Foundation
import FusionKit
import SortOfCLEVR
import Testing
import VQAKit

@Suite("VQA models")
struct ModelCatalogTests {
    @Test("every catalogue model answers every question of a batch, and learns from a gradient step",
          arguments: ModelCatalog.names)
    func modelsAnswerAndTrain(name: String) throws {
        let data = smallData(seed: 5, images: 3)
        let model = try smallModel(name)
        #expect(model.configuration.model == name)
        let images = data.images([0, 2]), rows = data.questionRows([0, 2])
        let questions = data.questions(rows: rows), targets = data.answers(rows: rows)
        let logits = model(images: images, questions: questions)
        #expect(logits.shape == [40, Answer.allCases.count])
        // One step of plain gradient descent on one batch lowers that batch's loss.
        let before = crossEntropyLoss(logits: logits, targets: targets)
        before.backward()
        for parameter in model.trainableParameters() {
            if let gradient = parameter.gradient { parameter.value = (parameter.value - gradient * 0.01).detached() }
        }
        let after = crossEntropyLoss(logits: model(images: images, questions: questions), targets: targets)
        #expect(after.scalar < before.scalar, "\(name): loss \(before.scalar) → \(after.scalar)")
    }

    @Test("each image is encoded once for all of its questions: answers do not depend on the batch's other images")
    func answersIndependentOfBatch() throws {
        let data = smallData(seed: 6, images: 3)
        for name in ["transformer", "cross-attention", "film"] {
            let model = try smallModel(name)
            model.eval()
            let together = withoutGradient { model(images: data.images([0, 1]), questions: data.questions(rows: data.questionRows([0, 1]))) }
            let alone = withoutGradient { model(images: data.images([1]), questions: data.questions(rows: data.questionRows([1]))) }
            let secondHalf = together.slice(20..<40, alongAxis: 0).scalars
            for (a, b) in zip(secondHalf, alone.scalars) { #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "\(name)") }
        }
    }

    @Test("an unknown model name is a typed error that lists the known names")
    func unknownModel() {
        #expect(throws: VQAError.unknownModel("resnet", known: ModelCatalog.names)) {
            _ = try ModelCatalog.makeModel(.sortOfCLEVR(model: "resnet"))
        }
        #expect(VQAError.unknownModel("resnet", known: ["a", "b"]).description.contains("known models: a, b"))
    }

    @Test("attention models report where each question looked, one weight per image cell summing to 1")
    func attentionMaps() throws {
        let data = smallData(seed: 7, images: 1)
        for name in ["transformer", "cross-attention", "mfb"] {
            let model = try smallModel(name)
            model.eval()
            _ = withoutGradient { model(images: data.images([0]), questions: data.questions(rows: data.questionRows([0]))) }
            let attention = try #require(model.lastImageAttention, "\(name)")
            let side = name == "transformer" ? 19 : 10
            #expect(attention.shape == [20, side, side], "\(name)")
            let sums = attention.sum(alongAxes: 1, 2).scalars
            // The transformer's question token also attends to itself, so its cell weights sum to at most 1.
            for sum in sums { #expect(sum > 0 && sum <= 1 + 1e-4, "\(name): \(sum)") }
            if name != "transformer" { for sum in sums { #expect(abs(sum - 1) < 1e-4, "\(name)") } }
        }
    }
}
