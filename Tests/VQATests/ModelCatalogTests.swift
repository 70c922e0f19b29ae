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
        for name in ["transformer", "slot-transformer", "cell-transformer", "spatial-attention", "pixel-attention", "word-attention", "cross-attention", "film"] {
            let model = try smallModel(name)
            model.eval()
            let together = answerLogits(model, data, images: [0, 1]), alone = answerLogits(model, data, images: [1])
            let secondHalf = together.slice(20..<40, alongAxis: 0).scalars
            for (a, b) in zip(secondHalf, alone.scalars) { #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "\(name)") }
        }
    }

    @Test("inference with the encoders side by side gives the answers of the recorded, one-after-the-other forward",
          arguments: ModelCatalog.names)
    func encodersSideBySide(name: String) throws {
        let data = smallData(seed: 7, images: 2)
        let model = try smallModel(name)
        model.eval()
        let images = data.images([0, 1]), questions = data.questions(rows: data.questionRows([0, 1]))
        let recorded = model(images: images, questions: questions)
        let sideBySide = withoutGradient { model(images: images, questions: questions) }
        #expect(recorded.requiresGradient && !sideBySide.requiresGradient)
        #expect(isCloseEnough(sideBySide, recorded), "\(name): answers differ by \(zip(sideBySide.scalars, recorded.scalars).map { abs($0 - $1) }.max() ?? 0)")
    }

    @Test("an unknown model name is a typed error that lists the known names")
    func unknownModel() {
        #expect(throws: VQAError.unknownModel("resnet", known: ModelCatalog.names)) {
            _ = try ModelCatalog.makeModel(.sortOfCLEVR(model: "resnet"))
        }
        #expect(VQAError.unknownModel("resnet", known: ["a", "b"]).description.contains("known models: a, b"))
    }

    // Deliberate pattern (same shape as Tests/VQATests/ModelCatalogTests.swift:answersIndependentOfBatch): one model after another, in evaluation mode, answering a batch; what each test then checks differs.
    @Test("attention models report where each question looked, one weight per image cell summing to 1")
    func attentionMaps() throws {
        let data = smallData(seed: 7, images: 1)
        for name in ["transformer", "slot-transformer", "cell-transformer", "spatial-attention", "pixel-attention", "word-attention", "cross-attention", "mfb"] {
            let model = try smallModel(name)
            model.eval()
            _ = answerLogits(model, data, images: [0])
            let attention = try #require(model.lastImageAttention, "\(name)")
            let side = ["transformer", "slot-transformer", "spatial-attention"].contains(name) ? 19 : 10
            #expect(attention.shape == [20, side, side], "\(name)")
            let sums = attention.sum(alongAxes: 1, 2).scalars
            // The transformer's question token also attends to itself, so its cell weights sum to at most 1.
            for sum in sums { #expect(sum > 0 && sum <= 1 + 1e-4, "\(name): \(sum)") }
            if !name.hasSuffix("transformer") { for sum in sums { #expect(abs(sum - 1) < 1e-4, "\(name)") } }
        }
    }
}

@Suite("Colour slots")
struct ColorSlotsTests {
    @Test("k-means over a batch's pixels finds the background and the six object colours as prototypes")
    func prototypesFindTheColours() {
        let data = smallData(seed: 41, images: 4)
        var generator = RandomGenerator(seed: 1)
        let slots = ColorSlots(slotCount: 7, generator: &generator)
        slots.initializePrototypes(from: data.images([0, 1, 2, 3]))
        let found = slots.prototypes.value.scalars
        let expected: [(Float, Float, Float)] = [(1, 1, 1)] + ObjectColor.allCases.map {
            (Float($0.rgb.red) / 255, Float($0.rgb.green) / 255, Float($0.rgb.blue) / 255)
        }
        for colour in expected {
            let nearest = (0..<7).map { k in
                abs(found[3 * k] - colour.0) + abs(found[3 * k + 1] - colour.1) + abs(found[3 * k + 2] - colour.2)
            }.min()!
            #expect(nearest < 1e-3, "no prototype near \(colour): \(found)")
        }
    }

    @Test("each slot's centroid is its object's centre, and its spread tells squares from circles")
    func slotGeometry() {
        let dataset = SortOfCLEVRDataset.generate(seed: 42, imageCount: 2)
        let data = VQAData(dataset)
        var generator = RandomGenerator(seed: 1)
        let slots = ColorSlots(slotCount: 7, sharpness: 200, generator: &generator)
        slots.initializePrototypes(from: data.images([0, 1]))
        let images = data.images([0, 1])
        let found = slots(images: images, featureMap: Tensor.zeros([2, 4, 19, 19]))
        let prototypes = slots.prototypes.value.scalars
        for image in 0..<2 {
            for object in dataset.scenes[image].objects {
                let rgb = object.color.rgb
                let slot = (0..<7).min { a, b in
                    func gap(_ k: Int) -> Float {
                        abs(prototypes[3 * k] - Float(rgb.red) / 255) + abs(prototypes[3 * k + 1] - Float(rgb.green) / 255)
                            + abs(prototypes[3 * k + 2] - Float(rgb.blue) / 255)
                    }
                    return gap(a) < gap(b)
                }!
                let position = found.positions.scalars
                // Shapes cover pixels x − 5 … x + 4, whose centres average to x exactly.
                let x = Float(object.x) / 75 * 2 - 1, y = Float(object.y) / 75 * 2 - 1
                #expect(abs(position[(image * 7 + slot) * 2] - x) < 0.01 && abs(position[(image * 7 + slot) * 2 + 1] - y) < 0.01,
                        "\(object): \(position[(image * 7 + slot) * 2]), \(position[(image * 7 + slot) * 2 + 1])")
                // Features: 4 pooled channels, x, y, then σx² − 7 (pixels²): square 8.25, circle about 6.
                let varianceX = found.slots.scalars[(image * 7 + slot) * 11 + 6] + 7
                #expect(object.shape == .square ? abs(varianceX - 8.25) < 0.3 : varianceX < 7.2, "\(object): σx² \(varianceX)")
            }
        }
    }
}

/// Equal shapes and elements within 1e-5 (relative, at least absolute).
func isCloseEnough(_ a: Tensor, _ b: Tensor) -> Bool {
    a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }
}
