import Foundation
import FusionKit
import FusionKitData
import SortOfCLEVR
import Testing
import VQAKit

@Suite("Training, checkpoints and resume")
struct ResumeTests {
    let options = TrainingOptions(epochs: 2, batchSize: 3, learningRate: 3e-3, warmupSteps: 2, shuffleSeed: 9)

    /// Trains one epoch with a checkpoint, then stops as a killed run would (the checkpoint of
    /// epoch 1 is on disk, epoch 2 never starts).
    func interruptedRun(_ model: any VQAModel, data: VQAData, test: VQAData, checkpoint: URL) throws {
        let trainer = quietTrainer(model, options: options)
        #expect(throws: CancellationError.self) {
            try trainer.train(on: data, test: test, types: .sortOfCLEVR, checkpoint: checkpoint) { _ in throw CancellationError() }
        }
    }

    /// The interruption and resume run in a child process of their own: with tests running in
    /// parallel, other tests' BLAS calls change how many threads OpenBLAS uses, which moves results
    /// in the last bits; one training process alone is deterministic.
    @Test("a run interrupted after epoch 1 and resumed from its checkpoint ends with the same weights, optimizer state and history")
    func resumeEqualsUninterrupted() async {
        await #expect(processExitsWith: .success) {
            let options = TrainingOptions(epochs: 2, batchSize: 3, learningRate: 3e-3, warmupSteps: 2, shuffleSeed: 9)
            let data = smallData(seed: 11, images: 8), test = smallData(seed: 12, images: 2)
            let folder = try temporaryFolder("resume")
            defer { try? FileManager.default.removeItem(at: folder) }

            let straight = try uninterruptedRun(try smallModel("transformer"), options: options, data: data, test: test)

            // The first run ends right after epoch 1's checkpoint, as a killed run would.
            let checkpoint = folder.appendingPathComponent("checkpoint.safetensors")
            let first = quietTrainer(try smallModel("transformer"), options: options)
            do {
                try first.train(on: data, test: test, types: .sortOfCLEVR, checkpoint: checkpoint) { _ in throw CancellationError() }
                preconditionFailure("the first run was not interrupted")
            } catch is CancellationError {}
            // A new process: the same model built afresh, its weights zeroed to show they come from the checkpoint.
            let fresh = try smallModel("transformer")
            for parameter in fresh.parameters() { parameter.value = Tensor.zeros(parameter.value.shape) }
            let resumed = quietTrainer(fresh, options: options)
            try resumed.resume(from: checkpoint)
            precondition(resumed.completedEpochs == 1, "resume: \(resumed.completedEpochs) epochs done, expected 1")
            try resumed.train(on: data, test: test, types: .sortOfCLEVR, checkpoint: checkpoint)

            precondition(resumed.completedEpochs == 2)
            preconditionSameEnd(resumed, straight)
            let saved = try VQACheckpoint.describe(checkpoint)
            precondition(saved.history.epochs.count == 2, "the checkpoint is not the finished run")
        }
    }

    // Deliberate pattern (same shape as Tests/VQATests/ResumeTests.swift:resumeEqualsUninterrupted): the same straight, interrupted and resumed runs, interrupted at another point, written out step by step so that the child process reads top to bottom.
    @Test("a run killed in the middle of an epoch resumes from its mid-epoch checkpoint to the numbers of an uninterrupted run")
    func midEpochResume() async {
        await #expect(processExitsWith: .success) {
            // With augmentation: its draws, like the image order, follow from the seed and the position.
            let options = TrainingOptions(epochs: 2, batchSize: 3, learningRate: 3e-3, warmupSteps: 2, shuffleSeed: 4,
                                          augmentation: ImageAugmentation(brightness: 0.3, saturation: 0.2, maxShift: 2))
            let data = smallData(seed: 15, images: 8), test = smallData(seed: 16, images: 2)
            let folder = try temporaryFolder("mid-epoch")
            defer { try? FileManager.default.removeItem(at: folder) }

            let straight = try uninterruptedRun(try smallModel("film"), options: options, data: data, test: test)

            // Checkpoints every 2 steps; the run dies after the third step of epoch 2, whose work
            // is lost with it: the checkpoint holds epoch 2 after its second step.
            let checkpoint = folder.appendingPathComponent("checkpoint.safetensors")
            let first = quietTrainer(try smallModel("film"), options: options)
            first.checkpointInterval = 2
            first.stepEnded = { position in
                if position == LoaderPosition(epoch: 1, step: 3) { throw CancellationError() }
            }
            do {
                try first.train(on: data, test: test, types: .sortOfCLEVR, checkpoint: checkpoint)
                preconditionFailure("the first run was not interrupted")
            } catch is CancellationError {}
            let saved = try VQACheckpoint.describe(checkpoint)
            precondition(saved.progress?.position == LoaderPosition(epoch: 1, step: 2), "checkpoint at \(String(describing: saved.progress))")

            let resumed = quietTrainer(try smallModel("film"), options: options)
            try resumed.resume(from: checkpoint)
            precondition(resumed.nextPosition == LoaderPosition(epoch: 1, step: 2))
            try resumed.train(on: data, test: test, types: .sortOfCLEVR, checkpoint: checkpoint)
            preconditionSameEnd(resumed, straight)
            precondition(resumed.history.epochs.map(\.lossCurve) == straight.history.epochs.map(\.lossCurve), "loss curves differ")
            let finished = try VQACheckpoint.describe(checkpoint)
            precondition(finished.progress == nil, "the finished run's checkpoint still holds an epoch in progress")
        }
    }

    @Test("resuming with another model, other options or other data is a typed error and leaves the model as it was")
    func resumeMismatches() throws {
        let data = smallData(seed: 13, images: 3), test = smallData(seed: 14, images: 1)
        let folder = try temporaryFolder("mismatch")
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = folder.appendingPathComponent("checkpoint.safetensors")
        try interruptedRun(try smallModel("cross-attention"), data: data, test: test, checkpoint: checkpoint)

        let other = try smallModel("film")
        let before = stateValues(other)
        #expect(throws: VQAError.modelMismatch(path: checkpoint.path, expected: "film", found: "cross-attention")) {
            try Trainer(model: other, options: options, dataIdentity: "small").resume(from: checkpoint)
        }
        #expect(stateValues(other) == before)
        var changed = options
        changed.learningRate = 1e-2
        #expect(throws: VQAError.self) {
            try Trainer(model: try smallModel("cross-attention"), options: changed, dataIdentity: "small").resume(from: checkpoint)
        }
        #expect(throws: VQAError.self) {
            try Trainer(model: try smallModel("cross-attention"), options: options, dataIdentity: "other data").resume(from: checkpoint)
        }
        #expect(throws: VQAError.self) {   // same name, other width
            let wider = try ModelCatalog.makeModel(.sortOfCLEVR(model: "cross-attention", width: 32, seed: 3))
            try Trainer(model: wider, options: options, dataIdentity: "small").resume(from: checkpoint)
        }
    }

    @Test("loading for evaluation: the checkpoint rebuilds its own model, and a missing, corrupt or foreign file is a typed error")
    func loadingCheckpoints() throws {
        let data = smallData(seed: 15, images: 2)
        let folder = try temporaryFolder("load")
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = folder.appendingPathComponent("checkpoint.safetensors")
        try interruptedRun(try smallModel("mfb"), data: data, test: data, checkpoint: checkpoint)

        let (model, saved) = try VQACheckpoint.loadModel(from: checkpoint)
        #expect(model.configuration.model == "mfb" && saved.history.epochs.count == 1)
        #expect(model.configuration.width == 16)

        #expect(throws: VQAError.modelMismatch(path: checkpoint.path, expected: "transformer", found: "mfb")) {
            _ = try VQACheckpoint.loadModel(from: checkpoint, expectedModel: "transformer")
        }
        let missing = folder.appendingPathComponent("nothing.safetensors")
        #expect(throws: VQAError.missingFile(path: missing.path)) { _ = try VQACheckpoint.loadModel(from: missing) }

        // Truncated, bit-flipped and foreign files: typed errors, never a crash.
        let bytes = try Data(contentsOf: checkpoint)
        var generator = RandomGenerator(seed: 4)
        for trial in 0..<40 {
            var corrupt = bytes
            if trial % 2 == 0 {
                corrupt = corrupt.prefix(Int(generator.next() % UInt64(bytes.count)))
            } else {
                for _ in 0..<8 {
                    let position = Int(generator.next() % UInt64(min(bytes.count, 4096)))
                    corrupt[position] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
                }
            }
            let file = folder.appendingPathComponent("corrupt-\(trial).safetensors")
            try corrupt.write(to: file)
            do {
                _ = try VQACheckpoint.loadModel(from: file)
                // A flip inside the weights' bytes can leave a valid file; a truncated one never is.
                #expect(trial % 2 == 1, "a checkpoint truncated to \(corrupt.count) of \(bytes.count) bytes loaded")
            } catch let error as VQAError {
                #expect(error.description.contains(file.path), "\(error)")
            }
        }
        // A safetensors file without VQA metadata (a bare state dict).
        let bare = folder.appendingPathComponent("bare.safetensors")
        try model.save(to: bare)
        #expect(throws: VQAError.self) { _ = try VQACheckpoint.loadModel(from: bare) }
    }
}

/// A run of `model` through all of `options`' epochs without a checkpoint: what a resumed run must reach.
private func uninterruptedRun(_ model: any VQAModel, options: TrainingOptions, data: VQAData, test: VQAData) throws -> Trainer {
    let trainer = quietTrainer(model, options: options)
    try trainer.train(on: data, test: test, types: .sortOfCLEVR, checkpoint: nil)
    return trainer
}

/// Stops the process (the resume tests run in a child process of their own) unless `resumed` ended
/// with `straight`'s weights, optimizer state, training losses and test accuracies.
private func preconditionSameEnd(_ resumed: Trainer, _ straight: Trainer) {
    precondition(stateValues(resumed.model) == stateValues(straight.model), "resumed weights differ")
    precondition(resumed.optimizer.stateDict().mapValues(\.scalars) == straight.optimizer.stateDict().mapValues(\.scalars),
                 "resumed optimizer state differs")
    precondition(resumed.history.epochs.map(\.trainingLoss) == straight.history.epochs.map(\.trainingLoss),
                 "losses differ: \(resumed.history.epochs.map(\.trainingLoss)) vs \(straight.history.epochs.map(\.trainingLoss))")
    precondition(resumed.history.epochs.map(\.test) == straight.history.epochs.map(\.test), "test accuracies differ")
}
