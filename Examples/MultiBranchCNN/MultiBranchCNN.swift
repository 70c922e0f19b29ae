import ArgumentParser
import FusionKit
import Foundation

/// Trains the multi-branch CNN on generated shape images and prints loss and accuracy per epoch.
// Deliberate pattern (same shape as Examples/DataParallel/main.swift:DataParallelMLP and Examples/FusionTour/FusionTour.swift:FusionTour): each example declares its own command, options and checks in full, so that it reads and runs alone.
@main
struct MultiBranchCNN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "multi-branch-cnn",
        abstract: "Train a CNN whose convolution branches are concatenated on channels, on generated shapes.")

    @Option(help: "Training epochs.") var epochs = 4
    @Option(help: "Training images (test images are a quarter of this).") var samples = 2048
    @Option(help: "Images per batch.") var batchSize = 64
    @Option(help: "Image side in pixels.") var imageSize = 24
    @Option(help: "Seed for data, initialisation and shuffling.") var seed: UInt64 = 1
    @Option(help: "Adam learning rate.") var learningRate: Float = 0.003

    mutating func validate() throws {
        guard epochs > 0, samples >= batchSize, batchSize > 0 else {
            throw ValidationError("need epochs > 0 and samples ≥ batch size > 0")
        }
        guard (12...96).contains(imageSize) else { throw ValidationError("--image-size must be in 12...96") }
        guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive") }
    }

    func run() throws {
        var generator = RandomGenerator(seed: seed)
        let train = ShapesDataset(count: samples, size: imageSize, generator: &generator)
        let test = ShapesDataset(count: samples / 4, size: imageSize, generator: &generator)
        let model = MultiBranchNetwork(imageSize: imageSize, classes: 3, generator: &generator)
        let optimizer = Adam(model.parameters(), learningRate: learningRate)
        print("multi-branch CNN: \(model.parameterCount) parameters, \(samples) training images of \(imageSize)×\(imageSize)")
        for epoch in 1...epochs {
            model.train()
            var order = Array(0..<samples)
            order.shuffle(using: &generator)
            var totalLoss: Float = 0, batches = 0
            let start = Date()
            for first in stride(from: 0, to: samples - batchSize + 1, by: batchSize) {
                let indices = Array(order[first..<(first + batchSize)])
                let images = train.images.indexSelect(indices, alongAxis: 0)
                let labels = train.labels.indexSelect(indices, alongAxis: 0)
                optimizer.zeroGradients()
                let loss = crossEntropyLoss(logits: model(images), targets: labels)
                loss.backward()
                optimizer.step()
                totalLoss += loss.scalar
                batches += 1
            }
            model.eval()
            let predictions = withoutGradient { model(test.images) }.argmax(alongAxis: 1)
            let accuracy = (predictions .== test.labels).mean().scalar
            let rate = Double(batches * batchSize) / Date().timeIntervalSince(start)
            print(String(format: "epoch %d  loss %.4f  test accuracy %.1f%%  (%.0f images/s)",
                         epoch, totalLoss / Float(batches), accuracy * 100, rate))
        }
    }
}
