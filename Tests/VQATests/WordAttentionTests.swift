import Foundation
import FusionKit
import SortOfCLEVR
import Testing
import VQAKit

@Suite("word-attention: hop 1 from the named word alone")
struct WordAttentionTests {
    /// Token ids [questions, L] in Sort-of-CLEVR's vocabulary.
    private func encode(_ questions: [String]) throws -> Tensor {
        let ids = try questions.flatMap { try QuestionVocabulary.encodePadded($0) }
        return Tensor(ids.map(Float.init), shape: [questions.count, QuestionVocabulary.maximumQuestionLength])
    }

    /// A small word-attention model whose naming weights sit on `word`.
    private func model(naming word: String) throws -> WordAttentionModel {
        let model = try #require(try smallModel("word-attention") as? WordAttentionModel)
        var scores = [Float](repeating: 0, count: QuestionVocabulary.count)
        scores[try #require(QuestionVocabulary.id(of: word))] = 2   // × namingUnit: e^20 above every other word
        model.namingScores.weight.value = Tensor(scores, shape: [QuestionVocabulary.count, 1])
        return model
    }

    @Test("the relational hop measures from the named word's place, the same in every phrasing of that word")
    func placeFromTheNamedWordAlone() throws {
        let model = try model(naming: "red")
        model.eval()
        let image = smallData(seed: 8, images: 1).images([0])
        let questions = try encode(["What shape is the red object?",
                                    "What kind of shape is furthest away from the red shape?",
                                    "How many objects have the same shape as the red object?",
                                    "What shape is the blue object?"])
        _ = model(images: image, questions: questions)
        let hops = try #require(model.lastHops)
        let places = hops.places.scalars, first = hops.first.scalars            // [1, H, 4, 2], [1, H, 4, P]
        let positions = hops.first.shape[3]
        let place = { (question: Int) in Array(places[(question * 2)..<(question * 2 + 2)]) }
        let weights = { (question: Int) in Array(first[(question * positions)..<((question + 1) * positions)]) }
        for question in [1, 2] {
            #expect(zip(place(question), place(0)).allSatisfy { abs($0 - $1) < 1e-5 }, "question \(question): \(place(question)) vs \(place(0))")
            #expect(zip(weights(question), weights(0)).allSatisfy { abs($0 - $1) < 1e-6 }, "question \(question)'s hop 1")
        }
        // A question naming another word does not share the place ("blue" sits at 0 like every
        // other word, so its weights mix the question's words).
        #expect(zip(place(3), place(0)).contains { abs($0 - $1) > 1e-4 }, "\(place(3)) vs \(place(0))")
    }

    @Test("training-mode calls set the image-matching loss, and a step on it alone lowers it")
    func matchingLossLearns() throws {
        let model = try model(naming: "red")
        let data = smallData(seed: 9, images: 2)
        let images = data.images([0, 1]), questions = data.questions(rows: data.questionRows([0, 1]))
        model.train()
        _ = model(images: images, questions: questions)
        let before = try #require(model.auxiliaryLoss)
        // Cross-entropy over the batch's 2 images: log 2 when nothing is told apart.
        #expect(before.count == 1 && before.scalar.isFinite && before.scalar > 0, "\(before)")
        before.backward()
        for parameter in model.trainableParameters() {
            if let gradient = parameter.gradient { parameter.value = (parameter.value - gradient * 0.05).detached() }
        }
        _ = model(images: images, questions: questions)
        let after = try #require(model.auxiliaryLoss)
        #expect(after.scalar < before.scalar, "matching loss \(before.scalar) → \(after.scalar)")
    }

    @Test("the Trainer adds the model's auxiliary loss: the naming scores, which only the matching trains, move from zero")
    func trainerAddsTheMatchingLoss() throws {
        let model = try #require(try smallModel("word-attention") as? WordAttentionModel)
        #expect(model.namingScores.weight.value.scalars.allSatisfy { $0 == 0 })
        let data = smallData(seed: 10, images: 2)
        let options = TrainingOptions(epochs: 1, batchSize: 2, learningRate: 1e-2, warmupSteps: 0, shuffleSeed: 1)
        try quietTrainer(model, options: options).train(on: data, test: data, types: .sortOfCLEVR, checkpoint: nil)
        // The answers read the naming weights detached, so without the matching loss every score stays 0.
        let largest = model.namingScores.weight.value.scalars.map(abs).max() ?? 0
        #expect(largest > 1e-4, "largest naming score after a step: \(largest)")
    }
}
