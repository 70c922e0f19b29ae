import ArgumentParser
import Foundation
import SortOfCLEVR
import VQAKit

/// Where the images and questions come from: generated from a seed (the default, the paper's
/// 9,800 / 200 split) or read from a folder written by `vqa generate`.
struct DataOptions: ParsableArguments {
    @Option(help: "Seed of the generated data set.") var seed: UInt64 = 1
    @Option(help: "Training images to generate.") var trainImages = SortOfCLEVRDataset.paperTrainingImageCount
    @Option(help: "Test images to generate.") var testImages = SortOfCLEVRDataset.paperTestImageCount
    @Option(help: "Read train.safetensors and test.safetensors from this folder (from `vqa generate`) instead of generating.")
    var data: String?

    func validate() throws {
        guard trainImages > 0, testImages > 0 else { throw ValidationError("--train-images and --test-images must be positive") }
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
