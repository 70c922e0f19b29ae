import ArgumentParser
import Foundation
import FusionKit
import FusionKitDistributed

/// Data-parallel training in a few lines: an MLP with batch norm classifies points from a random
/// teacher network. Run it alone, or under `mpirun -np N`: every rank takes its share of each
/// global batch, gradients are summed across ranks, and the weights rank 0 saves are those a
/// single process would reach with the same global batch.
// Deliberate pattern (same shape as Examples/MultiBranchCNN/MultiBranchCNN.swift:MultiBranchCNN and Examples/FusionTour/FusionTour.swift:FusionTour): each example declares its own command, options and checks in full, so that it reads and runs alone.
@main
struct DataParallelMLP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data-parallel-mlp",
        abstract: "Train a small MLP data-parallel over the ranks of an MPI job (or alone) and save its weights.")

    @Option(help: "Optimizer steps.") var steps = 20
    @Option(help: "Points per step over all ranks.") var batchSize = 64
    @Option(help: "Points in the training set.") var points = 2048
    @Option(help: "AdamW's learning rate.") var learningRate: Float = 1e-2
    @Option(help: "Seed of the data and the initial weights.") var seed: UInt64 = 1
    @Option(help: "Gradient elements per all-reduce bucket.") var bucketCapacity = 1 << 20
    @Flag(help: "Sum gradients after backward instead of overlapping with it.") var noOverlap = false
    @Option(help: "Where rank 0 writes the final weights (safetensors).") var output: String?

    func validate() throws {
        guard steps > 0, batchSize > 0, points >= batchSize, learningRate > 0, bucketCapacity > 0 else {
            throw ValidationError("steps, batch size, learning rate and bucket capacity must be positive, points ≥ batch size")
        }
    }

    func run() throws {
        let group = ProcessGroup.isLaunchedByMPI ? try ProcessGroup.world() : .single
        do {
            try train(group: group)
        } catch {
            group.abort("data-parallel-mlp: rank \(group.rank) of \(group.size) failed: \(error)")
        }
    }

    private func train(group: ProcessGroup) throws {
        // The same data and initial weights on every rank, from the seed.
        var generator = RandomGenerator(seed: seed)
        let features = Tensor.randomNormal([points, 16], generator: &generator)
        let teacher = Tensor.randomNormal([16, 4], generator: &generator)
        let labels = features.matmul(teacher).argmax(alongAxis: 1)
        // No bias before batch norm: it would be cancelled by the mean subtraction.
        let model = Sequential(Linear(16, 64, bias: false, generator: &generator), BatchNorm1d(64), ReLU(),
                               Linear(64, 64, generator: &generator), ReLU(), Linear(64, 4, generator: &generator))
        let parallel = try DistributedDataParallel(model, group: group, bucketCapacity: bucketCapacity,
                                                   overlapsCommunication: !noOverlap)
        let optimizer = AdamW(model.trainableParameters(), learningRate: learningRate)
        let sampler = try DistributedSampler(count: points, globalBatchSize: batchSize, rank: group.rank,
                                             worldSize: group.size, seed: seed)
        var step = 0, epoch = 0
        while step < steps {
            let order = sampler.order(epoch: epoch)
            for batchIndex in 0..<sampler.stepsPerEpoch where step < steps {
                let batch = sampler.globalBatch(step: batchIndex, of: order)
                let mine = Array(sampler.localShare(of: batch))
                let loss = crossEntropyLoss(logits: model(features.indexSelect(mine, alongAxis: 0)),
                                            targets: labels.indexSelect(mine, alongAxis: 0))
                optimizer.zeroGradients()
                try parallel.backward(loss, share: Float(mine.count) / Float(batch.count))
                optimizer.step()
                step += 1
                let globalLoss = try group.allReduce([Double(loss.scalar) * Double(mine.count)])[0] / Double(batch.count)
                if group.rank == 0 && (step % 5 == 0 || step == steps) {
                    print(String(format: "step %d  loss %.5f", step, globalLoss))
                }
            }
            epoch += 1
        }
        if group.rank == 0 {
            print(String(format: "%d rank(s): %.3f ms per step summing gradients", group.size,
                         parallel.communicationSeconds / Double(max(parallel.synchronizedSteps, 1)) * 1000))
            if let output { try model.save(to: URL(fileURLWithPath: output)) }
        }
    }
}
