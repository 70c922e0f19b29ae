import Foundation
import FusionKit
import SortOfCLEVR
import Testing
import VQAKit

/// VQA models reading the questions with a pretrained BERT folder (`--question-encoder bert`),
/// on the small random BERT of Tests/Fixtures/bert/small with a vocabulary holding
/// Sort-of-CLEVR's words.
@Suite("Pretrained question encoder")
struct PretrainedQuestionEncoderTests {
    /// A BERT folder whose vocabulary (99 tokens, the model's size) holds every question word.
    func bertFolder() throws -> URL {
        let folder = try temporaryFolder("bert")
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/bert/small")
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(at: fixture.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + QuestionVocabulary.words.dropFirst()
        let tokens = words + (words.count..<99).map { "filler\($0)" }
        try tokens.joined(separator: "\n").write(to: folder.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        return folder
    }

    /// The model's pretrained question encoder (an issue, thrown, if it has none).
    func questionEncoder(of model: any VQAModel, sourceLocation: SourceLocation = #_sourceLocation) throws -> PretrainedQuestionEncoder {
        try #require(model.namedChildren().compactMap { $0.1 as? PretrainedQuestionEncoder }.first, sourceLocation: sourceLocation)
    }

    func configuration(_ folder: URL, trainedLayers: Int) -> VQAModelConfiguration {
        var configuration = VQAModelConfiguration.sortOfCLEVR(model: "concat-mlp", width: 16, seed: 3)
        configuration.questionEncoder = PretrainedQuestionSettings(folder: folder.path, trainedLayers: trainedLayers)
        return configuration
    }

    @Test("frozen: BERT does not train, its question vectors are cached and equal the uncached ones")
    func frozen() throws {
        let folder = try bertFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try ModelCatalog.makeModel(configuration(folder, trainedLayers: 0))
        let encoder = try questionEncoder(of: model)
        #expect(encoder.pretrainedTrainableParameters.isEmpty)
        let data = smallData(seed: 5, images: 2)
        let images = data.images([0, 1])
        let questions = data.questions(rows: data.questionRows([0, 1]))
        // The first call runs BERT; the second reads every question from the cache. (Equal up to
        // rounding: a question asked twice in one batch may round differently in another row.)
        let first = encoder(questions).final, second = encoder(questions).final
        #expect(isCloseEnough(first, second))
        #expect(encoder.cachedQuestionCount > 0 && encoder.cachedQuestionCount <= 40)
        // The cached path gives what BERT computes without the cache: an encoder fine-tuning its
        // top layer (never cached) built from the same folder and seed, in evaluation mode.
        let uncachedModel = try ModelCatalog.makeModel(configuration(folder, trainedLayers: 1))
        uncachedModel.eval()
        let uncached = try questionEncoder(of: uncachedModel)
        #expect(isCloseEnough(withoutGradient { uncached(questions).final }, first))
        #expect(uncached.cachedQuestionCount == 0)
        // A question's vector does not depend on the batch it came in (padding is masked out).
        let fresh = try questionEncoder(of: try ModelCatalog.makeModel(configuration(folder, trainedLayers: 0)))
        #expect(isCloseEnough(fresh(data.questions(rows: [3])).final, first.slice(3..<4, alongAxis: 0)))
        let logits = model(images: images, questions: questions)
        #expect(logits.shape == [40, Answer.allCases.count])
        logits.sum().backward()
        #expect(encoder.bert.parameters().allSatisfy { $0.gradient == nil })
        #expect(encoder.projection.weight.gradient != nil)
    }

    // Deliberate pattern (same shape as Tests/VQATests/PretrainedQuestionEncoderTests.swift:frozen): a model with a BERT question encoder from a fresh folder, frozen there and fine-tuned here, each with its own checks.
    @Test("fine-tuning the top layer: its gradients flow, it gets its own learning rate, and checkpoints round-trip")
    func fineTuned() throws {
        let folder = try bertFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try ModelCatalog.makeModel(configuration(folder, trainedLayers: 1))
        let encoder = try questionEncoder(of: model)
        #expect(encoder.pretrainedTrainableParameters.count == 16)
        let options = TrainingOptions(epochs: 1, batchSize: 2, learningRate: 1e-3, warmupSteps: 1, questionEncoderLearningRate: 1e-4)
        let trainer = Trainer(model: model, options: options, dataIdentity: "test")
        #expect(trainer.optimizer.groups.count == 2)
        #expect(trainer.optimizer.groups[1].parameters.count == 16)
        let before = encoder.bert.layers[1].query.weight.value
        let untouched = encoder.bert.layers[0].query.weight.value
        let data = smallData(seed: 5, images: 4)
        trainer.showsProgress = false
        try trainer.train(on: data, test: smallData(seed: 6, images: 2), types: .sortOfCLEVR, checkpoint: nil)
        #expect(encoder.bert.layers[1].query.weight.value != before)
        #expect(encoder.bert.layers[0].query.weight.value == untouched)

        let run = try temporaryFolder("bert-run")
        defer { try? FileManager.default.removeItem(at: run) }
        let checkpoint = run.appendingPathComponent("checkpoint.safetensors")
        try trainer.saveCheckpoint(to: checkpoint)
        let (restored, _) = try VQACheckpoint.loadModel(from: checkpoint)
        #expect(stateValues(restored) == stateValues(model))
        let images = data.images([0]), questions = data.questions(rows: data.questionRows([0]))
        model.eval(); restored.eval()
        #expect(isCloseEnough(model(images: images, questions: questions), restored(images: images, questions: questions)))
    }

    @Test("a missing BERT folder is a typed error naming it")
    func missingFolder() throws {
        let error = #expect(throws: ModelFolderError.self) {
            try ModelCatalog.makeModel(configuration(URL(fileURLWithPath: "/nonexistent/bert"), trainedLayers: 0))
        }
        #expect(error == .missingFile(folder: "/nonexistent/bert", what: "config.json"))
    }
}
