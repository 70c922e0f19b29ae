import FusionKit
import Foundation
import Testing

/// End-to-end: a small MLP learns a synthetic task, and a run interrupted by a checkpoint
/// continues to the same numbers as an uninterrupted one.
@Suite("Training and checkpoints")
struct TrainingTests {
    /// 64 points in 4-D labelled by a fixed random "teacher" network into 3 classes.
    static func dataset() -> (inputs: Tensor, labels: Tensor) {
        var generator = RandomGenerator(seed: 100)
        let inputs = Tensor.randomNormal([64, 4], generator: &generator)
        let teacher = Tensor.randomNormal([4, 3], generator: &generator)
        return (inputs, inputs.matmul(teacher).tanh().argmax(alongAxis: 1))
    }

    static func model(seed: UInt64) -> Sequential {
        var generator = RandomGenerator(seed: seed)
        return Sequential(Linear(4, 32, generator: &generator), ReLU(), Linear(32, 3, generator: &generator))
    }

    /// Full-batch training steps; returns the losses.
    @discardableResult
    static func train(_ model: Sequential, _ optimizer: Optimizer, steps: Int) -> [Float] {
        let (inputs, labels) = dataset()
        var losses: [Float] = []
        for _ in 0..<steps {
            optimizer.zeroGradients()
            let loss = crossEntropyLoss(logits: model(inputs), targets: labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.scalar)
        }
        return losses
    }

    @Test func mlpLearnsToNearZeroLoss() {
        let model = Self.model(seed: 1)
        let optimizer = Adam(model.parameters(), learningRate: 0.02)
        let losses = Self.train(model, optimizer, steps: 400)
        #expect(losses[0] > 0.5)
        #expect(losses.last! < 0.02, "final loss \(losses.last!)")
        let (inputs, labels) = Self.dataset()
        let predictions = withoutGradient { model(inputs) }.argmax(alongAxis: 1)
        #expect(predictions == labels)
    }

    @Test func resumedTrainingMatchesUninterrupted() throws {
        let reference = Self.model(seed: 2)
        let referenceOptimizer = AdamW(reference.parameters(), learningRate: 0.01)
        let referenceLosses = Self.train(reference, referenceOptimizer, steps: 20)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fusionkit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("checkpoint.safetensors")

        let first = Self.model(seed: 2)
        let firstOptimizer = AdamW(first.parameters(), learningRate: 0.01)
        let firstLosses = Self.train(first, firstOptimizer, steps: 10)
        try Checkpoint.save(model: first, optimizer: firstOptimizer, metadata: ["step": "10"], to: path)

        // A different initialisation, then the checkpoint: the continuation must not depend on it.
        let resumed = Self.model(seed: 99)
        let resumedOptimizer = AdamW(resumed.parameters(), learningRate: 0.01)
        let contents = try Checkpoint.load(model: resumed, optimizer: resumedOptimizer, from: path)
        #expect(contents.metadata["step"] == "10")
        let resumedLosses = Self.train(resumed, resumedOptimizer, steps: 10)

        #expect(firstLosses + resumedLosses == referenceLosses)
        for ((name, a), (_, b)) in zip(reference.namedParameters(), resumed.namedParameters()) {
            #expect(a.value == b.value, "parameter \(name) differs after resuming")
        }
    }

    @Test func modelSavesWithPyTorchKeysAndLoadsBack() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fusionkit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("mlp.safetensors")
        let model = Self.model(seed: 3)
        try model.save(to: path)
        let file = try SafeTensors.read(contentsOf: path)
        #expect(Set(file.tensors.keys) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        let other = Self.model(seed: 4)
        try other.load(from: path)
        #expect(other.stateDict() == model.stateDict())
        // A checkpoint that does not fit leaves the model untouched.
        let wrong = Sequential(Linear(4, 16), ReLU(), Linear(16, 3))
        let before = wrong.stateDict()
        #expect(throws: StateDictError.self) { try wrong.load(from: path) }
        #expect(wrong.stateDict() == before)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files == ["mlp.safetensors"], "no temporary files are left behind")
    }
}
