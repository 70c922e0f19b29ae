import Foundation
import FusionKit
import FusionKitData
import Testing
import VQAKit

@Suite("Cached image features")
struct ImageFeatureCacheTests {
    @Test("vqa features' file holds the frozen ResNet's maps of every image; models train on it; the transformer refuses it")
    func cacheAndTrain() throws {
        let folder = try temporaryFolder("features")
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = try randomResNet18Weights(in: folder, seed: 5)
        let encoder = try PretrainedImageBackbone(encoder: "resnet18", weights: weights, stage: 3, imageSize: 64)
        #expect(encoder.settings.channels == 256 && encoder.settings.side == 4)

        var options = FolderData.Options()
        options.imageSize = 16
        let data = try FolderData(root: datasetFixtures.appendingPathComponent("jsonl"), options: options)
        let trainingFile = folder.appendingPathComponent("train.safetensors"), evaluationFile = folder.appendingPathComponent("val.safetensors")
        try ImageFeatureCache.write(split: data.training.split, encoder: encoder, to: trainingFile, batchSize: 1)
        try ImageFeatureCache.write(split: data.evaluation.split, encoder: encoder, to: evaluationFile)
        let cached = try data.withFeatures(training: trainingFile, evaluation: evaluationFile)

        // Each row is the encoder's map of that image, prepared as the settings say.
        for index in 0..<cached.training.count {
            let picture = try ImageFile.decode(contentsOf: data.training.split.imageURL(
                data.training.split.questions[data.training.questionsOfImage[index][0]])).planes()
            let prepared = encoder.settings.preprocessing(picture)
            let expected = encoder(Tensor(stacking: [prepared])).scalars
            let example = try cached.training.example(at: index)
            #expect(scaledError(example.image.values, expected) < 1e-5)
            #expect(example.questions == data.training.questionsOfImage[index].map(data.training.question))
        }

        var configuration = data.configuration(model: "film", width: 16, seed: 3)
        configuration.imageFeatures = cached.training.settings
        let trainer = Trainer(model: try ModelCatalog.makeModel(configuration), options: TrainingOptions(epochs: 1, batchSize: 2),
                              dataIdentity: "cached")
        trainer.showsProgress = false
        try trainer.train(on: cached.training, test: cached.evaluation, types: data.types, checkpoint: nil)
        #expect(trainer.history.epochs.count == 1 && trainer.history.epochs[0].trainingLoss.isFinite)
        var transformer = configuration
        transformer.model = "transformer"
        #expect(throws: VQAError.self) { try ModelCatalog.makeModel(transformer) }

        // A split whose images the file does not hold is refused, naming the file.
        let other = try FolderData(root: datasetFixtures.appendingPathComponent("captions").deletingLastPathComponent()
            .appendingPathComponent("clevr"), options: options)
        #expect(throws: VQAError.self) { try CachedFeatureDataset(questions: other.training, features: trainingFile) }
    }
}

/// The largest difference relative to the largest magnitude of `expected`.
private func scaledError(_ actual: [Float], _ expected: [Float]) -> Float {
    let scale = max(expected.map(abs).max() ?? 1, 1e-6)
    return zip(actual, expected).map { abs($0 - $1) }.max().map { $0 / scale } ?? .infinity
}

// Deliberate pattern (same shape as Tests/VQATests/ImageFeatureCacheTests.swift:cacheAndTrain): a test in a temporary folder with a random ResNet-18 (randomResNet18Weights), then its own checks.
@Suite("A pretrained image backbone inside a VQA model")
struct ImageBackboneTests {
    @Test("frozen stages and their batch-norm statistics stay as loaded; the trained last stage moves; the checkpoint keeps it")
    func fineTuneLastStage() throws {
        let folder = try temporaryFolder("backbone")
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = try randomResNet18Weights(in: folder, seed: 8)
        let probe = try PretrainedImageBackbone(encoder: "resnet18", weights: weights, stage: 3, imageSize: 64)
        var options = FolderData.Options()
        options.preprocessing = probe.settings.preprocessing
        let data = try FolderData(root: datasetFixtures.appendingPathComponent("jsonl"), options: options)
        var configuration = data.configuration(model: "mfb", width: 16, seed: 4)
        configuration.imageBackbone = ImageBackboneSettings(features: probe.settings, trainedStages: 1)
        let model = try ModelCatalog.makeModel(configuration)
        let before = stateValues(model)
        let trainer = Trainer(model: model, options: TrainingOptions(epochs: 2, batchSize: 2, warmupSteps: 1), dataIdentity: "backbone")
        trainer.showsProgress = false
        let checkpoint = folder.appendingPathComponent("checkpoint.safetensors")
        try trainer.train(on: data.training, test: data.evaluation, types: data.types, checkpoint: checkpoint)
        let after = stateValues(model)
        let backboneKeys = before.keys.filter { $0.contains("backbone.resnet.") }
        #expect(!backboneKeys.isEmpty)
        for key in backboneKeys {
            let frozen = !key.contains(".layer3.")
            if frozen {
                #expect(before[key] == after[key], "\(key) moved though frozen")
            }
        }
        #expect(backboneKeys.filter { $0.contains(".layer3.") && $0.hasSuffix(".weight") }.contains { before[$0] != after[$0] },
                "no weight of the trained stage moved")
        let (loaded, saved) = try VQACheckpoint.loadModel(from: checkpoint)
        #expect(saved.configuration.imageBackbone?.trainedStages == 1)
        #expect(stateValues(loaded) == after)
    }
}

@Suite("CLIP and ViT image towers as VQA image encoders")
struct TransformerBackboneTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    @Test("maps are the last layer's patch tokens on their grid; cached and inline, models train frozen on them",
          arguments: ["clip", "vit"])
    func patchTokenMaps(encoder: String) throws {
        let folder = Self.fixtures.appendingPathComponent(encoder == "clip" ? "clip/small" : "vit/small")
        let backbone = try PretrainedImageBackbone(encoder: encoder, weights: folder)
        let side = backbone.settings.side, width = backbone.settings.channels
        var options = FolderData.Options()
        options.preprocessing = backbone.settings.preprocessing
        let data = try FolderData(root: Self.fixtures.appendingPathComponent("datasets/jsonl"), options: options)
        let example = try data.training.example(at: 0)
        let pixels = Tensor(stacking: [example.image])
        let tokens = encoder == "clip" ? backbone.clipVision!(pixels).lastHiddenState
                                       : backbone.vit!(pixels, interpolatingPositions: true).lastHiddenState
        let maps = backbone(pixels)
        #expect(maps.shape == [1, width, side, side])
        // Map (c, row, column) is token 1 + row·side + column, channel c.
        for (row, column, channel) in [(0, 0, 0), (side - 1, 1, width - 1), (1, side - 1, 3)] {
            #expect(maps.scalars[(channel * side + row) * side + column] == tokens.scalars[(1 + row * side + column) * width + channel])
        }
        #expect(throws: VQAError.self) { try PretrainedImageBackbone(encoder: encoder, weights: folder, trainedStages: 1) }

        var configuration = data.configuration(model: "cross-attention", width: 16, seed: 6)
        configuration.imageBackbone = ImageBackboneSettings(features: backbone.settings, trainedStages: 0)
        let model = try ModelCatalog.makeModel(configuration)
        let trainer = Trainer(model: model, options: TrainingOptions(epochs: 1, batchSize: 2), dataIdentity: encoder)
        trainer.showsProgress = false
        let before = stateValues(model).filter { $0.key.contains("backbone.") }
        try trainer.train(on: data.training, test: data.evaluation, types: data.types, checkpoint: nil)
        #expect(stateValues(model).filter { $0.key.contains("backbone.") } == before)
        #expect(trainer.history.epochs[0].trainingLoss.isFinite)
    }
}
