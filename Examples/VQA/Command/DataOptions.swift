import ArgumentParser
import Foundation
import FusionKitData
import SortOfCLEVR
import VQAKit

/// Where the images and questions come from: Sort-of-CLEVR generated from a seed (the default,
/// the paper's 9,800 / 200 split), a folder written by `vqa generate` (train.safetensors and
/// test.safetensors), or any folder in a standard layout (CLEVR, VQA v2, JSON lines).
struct DataOptions: ParsableArguments {
    @Option(help: "Seed of the generated data set.") var seed: UInt64 = 1
    @Option(help: "Training images to generate.") var trainImages = SortOfCLEVRDataset.paperTrainingImageCount
    @Option(help: "Test images to generate.") var testImages = SortOfCLEVRDataset.paperTestImageCount
    @Option(help: "A data folder: from `vqa generate` (train.safetensors, test.safetensors), or in CLEVR, VQA v2 or JSON lines layout.")
    var data: String?
    @Option(help: "The folder's layout: clevr, vqa-v2 or jsonl (default: detected).") var format: String?
    @Option(help: "The split to train on (folders in a layout).") var trainSplit = "train"
    @Option(help: "The split to evaluate on (folders in a layout; CLEVR's and VQA v2's test splits carry no answers).")
    var evalSplit = "val"
    @Option(help: "The side of the square model input (folders in a layout; default: the first image's side if square and at most 128, else 128).")
    var imageSize: Int?
    @Option(help: "Answer classes: the most frequent training answers (folders in a layout).") var answers = 1000
    @Option(help: "Keep question words seen at least this often in training (folders in a layout).") var minWordCount = 1
    @Option(help: "Threads decoding the next batches' images while a step trains (0: between steps).") var loaderWorkers = 1

    func validate() throws {
        guard trainImages > 0, testImages > 0 else { throw ValidationError("--train-images and --test-images must be positive") }
        if let format, VQAFormat(rawValue: format) == nil {
            throw ValidationError("--format must be one of \(VQAFormat.allCases.map(\.rawValue).joined(separator: ", ")), got \(format)")
        }
        if let imageSize, !(8...1024).contains(imageSize) { throw ValidationError("--image-size must be in 8...1024") }
        guard answers >= 2 else { throw ValidationError("--answers must be at least 2") }
        guard minWordCount >= 1 else { throw ValidationError("--min-word-count must be at least 1") }
        guard (0...16).contains(loaderWorkers) else { throw ValidationError("--loader-workers must be in 0...16") }
    }

    /// Whether `--data` names a folder in a standard layout (not one written by `vqa generate`).
    var isLayoutFolder: Bool {
        guard let data else { return false }
        return !FileManager.default.fileExists(atPath: URL(fileURLWithPath: data).appendingPathComponent("train.safetensors").path)
    }

    /// The folder in a standard layout, its vocabularies from `saved` when given (a checkpoint's).
    func loadFolder(saved: VQADataSettings? = nil, preprocessing: ImagePreprocessing? = nil) throws -> FolderData {
        var options = FolderData.Options()
        options.format = format.flatMap(VQAFormat.init(rawValue:))
        options.trainingSplit = trainSplit
        options.evaluationSplit = evalSplit
        options.imageSize = imageSize
        options.answerCount = answers
        options.minimumWordCount = minWordCount
        options.preprocessing = preprocessing
        return try FolderData(root: URL(fileURLWithPath: data ?? "."), options: options, saved: saved)
    }

    /// The training and test sets, and a string that names them (checked when a run resumes).
    func load() throws -> (training: SortOfCLEVRDataset, test: SortOfCLEVRDataset, identity: String) {
        if let data {
            let folder = URL(fileURLWithPath: data)
            let training = try SortOfCLEVRDataset(contentsOf: folder.appendingPathComponent("train.safetensors"))
            let test = try SortOfCLEVRDataset(contentsOf: folder.appendingPathComponent("test.safetensors"))
            return (training, test, "sort-of-clevr file \(folder.standardizedFileURL.path) seed=\(training.seed) "
                        + "train=\(training.imageCount) test=\(test.imageCount)")
        }
        let split = SortOfCLEVRDataset.paperSplit(seed: seed, trainingImageCount: trainImages, testImageCount: testImages)
        return (split.training, split.test, "sort-of-clevr seed=\(seed) train=\(trainImages) test=\(testImages)")
    }
}

extension DataOptions {
    /// Only the test set (from the folder, or generated from the seed's test stream).
    func loadTest() throws -> (dataset: SortOfCLEVRDataset, identity: String) {
        if let data {
            let file = URL(fileURLWithPath: data).appendingPathComponent("test.safetensors")
            return (try SortOfCLEVRDataset(contentsOf: file), "the test set in \(file.path)")
        }
        let test = SortOfCLEVRDataset.generate(seed: SortOfCLEVRDataset.testSeed(for: seed), imageCount: testImages)
        return (test, "the \(testImages) test images of seed \(seed)")
    }
}
