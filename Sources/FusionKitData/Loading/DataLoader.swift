import Foundation
import FusionKit

/// Batches of a data set, as PyTorch's `DataLoader`: a `BatchSampler` decides which examples each
/// step holds (seeded shuffle, one rank's share under data-parallel training), background threads
/// load the examples of the next batches while the caller trains on the current one, and
/// `collate` turns a batch's examples into what the caller consumes (usually tensors).
///
/// A batch depends only on (epoch, step): it is the same whether it was loaded in the background
/// or in the calling thread, by one worker or several, in an uninterrupted pass or after
/// resuming at a `LoaderPosition` — `loadBatch(epoch:step:)` is the plain path the background
/// path must equal. At most `prefetch` batches are loaded ahead of the one handed out last, so
/// memory is bounded by the batch size whatever the size of the data set.
public final class DataLoader<Source: Dataset, Batch: Sendable>: Sendable {
    public typealias Collate = @Sendable (_ examples: [Source.Example], _ context: BatchContext) throws -> Batch

    public let dataset: Source
    public let sampler: BatchSampler
    /// Background threads loading batches; 0 loads each batch in the caller's thread when asked for.
    public let workerCount: Int
    /// Batches loaded ahead of the one handed out last (at least 1).
    public let prefetchCount: Int
    private let collate: Collate

    public init(_ dataset: Source, sampler: BatchSampler, workers: Int = 1, prefetch: Int = 2,
                collate: @escaping Collate) throws(DataLoaderError) {
        guard sampler.count == dataset.count else {
            throw .invalidSetup("the sampler covers \(sampler.count) items but the data set holds \(dataset.count)")
        }
        guard workers >= 0, prefetch >= 1 else {
            throw .invalidSetup("workers must be 0 or more and prefetch at least 1 (got \(workers) and \(prefetch))")
        }
        self.dataset = dataset
        self.sampler = sampler
        workerCount = workers
        prefetchCount = prefetch
        self.collate = collate
    }

    /// A loader over all of `dataset` (or, with `rank`/`worldSize`, this rank's share of every batch).
    public convenience init(_ dataset: Source, batchSize: Int, shuffle: Bool = true, seed: UInt64 = 0,
                            rank: Int = 0, worldSize: Int = 1, workers: Int = 1, prefetch: Int = 2,
                            collate: @escaping Collate) throws(DataLoaderError) {
        let sampler = try BatchSampler(count: dataset.count, globalBatchSize: batchSize, rank: rank,
                                       worldSize: worldSize, seed: seed, shuffles: shuffle)
        try self.init(dataset, sampler: sampler, workers: workers, prefetch: prefetch, collate: collate)
    }

    /// Steps in one epoch.
    public var batchesPerEpoch: Int { sampler.stepsPerEpoch }

    /// This rank's batch `step` of `epoch`, loaded in the calling thread. An example that fails
    /// to load becomes ``DataLoaderError/exampleFailed(index:epoch:step:reason:)``.
    public func loadBatch(epoch: Int, step: Int) throws -> Batch {
        precondition((0..<batchesPerEpoch).contains(step), "DataLoader.loadBatch: step \(step) of an epoch of \(batchesPerEpoch)")
        let indices = Array(sampler.localItems(epoch: epoch, step: step))
        var examples: [Source.Example] = []
        examples.reserveCapacity(indices.count)
        for index in indices {
            do {
                examples.append(try dataset.example(at: index))
            } catch {
                throw DataLoaderError.exampleFailed(index: index, epoch: epoch, step: step, reason: "\(error)")
            }
        }
        return try collate(examples, BatchContext(epoch: epoch, step: step, indices: indices))
    }

    /// The batches of `epoch` from `step` on, loaded ahead by the worker threads.
    public func batches(epoch: Int, startingAt step: Int = 0) -> EpochBatches<Batch> {
        precondition((0...batchesPerEpoch).contains(step), "DataLoader.batches: step \(step) of an epoch of \(batchesPerEpoch)")
        return EpochBatches(epoch: epoch, steps: step..<batchesPerEpoch, workers: workerCount,
                            prefetch: prefetchCount) { [self] in try loadBatch(epoch: epoch, step: $0) }
    }

    /// The batches from `position` on.
    public func batches(from position: LoaderPosition) -> EpochBatches<Batch> {
        batches(epoch: position.epoch, startingAt: position.step)
    }
}
