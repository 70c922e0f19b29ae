import Foundation
import FusionKit

/// Data-parallel training of one module over the processes of a `ProcessGroup`, in the spirit of
/// PyTorch's DistributedDataParallel: every process holds the whole model and trains on its
/// share of each global batch; the gradients are summed across processes so that every process
/// takes the same optimizer step and the replicas stay identical.
///
/// - At creation the parameters and buffers are copied from rank 0 to every other rank.
/// - `backward(_:share:)` runs the local backward with the loss scaled by this rank's share of
///   the global batch, and sums the gradients over the ranks in buckets of `bucketCapacity`
///   elements. With `overlapsCommunication`, a bucket's all-reduce starts as soon as its last
///   gradient is final, while backward goes on through earlier layers; buckets always start in
///   the same order on every rank.
/// - Batch norm: with `synchronizesBatchNorm` (the default) every BatchNorm layer normalises with
///   the statistics of the whole global batch (summed across ranks inside forward and backward),
///   so N ranks compute what one process would on the global batch. Without it each rank uses its
///   own share's statistics (as DDP without SyncBatchNorm); `averageBuffers()` then averages the
///   running statistics, which should precede evaluation and checkpoints.
///
/// With each rank's loss a mean over its share and `share = localItems / globalItems`, the summed
/// gradient is exactly the gradient of the mean loss over the global batch.
public final class DistributedDataParallel {
    public let group: ProcessGroup
    public let module: Module
    public let overlapsCommunication: Bool
    /// The parameters whose gradients are summed (the module's trainable ones, in its order).
    public let parameters: [Parameter]
    private let buffers: [Buffer]
    private let buckets: [GradientBucket]
    private let bucketOfParameter: [Int]
    private var nextBucketToStart = 0
    private var isInBackward = false
    private var communicationFailure: Error?
    /// Seconds spent waiting for or running all-reduces of gradients, and the steps measured.
    public private(set) var communicationSeconds = 0.0
    public private(set) var synchronizedSteps = 0

    /// Wraps `module`; copies rank 0's parameters and buffers to every rank.
    public init(_ module: Module, group: ProcessGroup, bucketCapacity: Int = 1 << 20,
                overlapsCommunication: Bool = true, synchronizesBatchNorm: Bool = true) throws {
        precondition(bucketCapacity > 0, "DistributedDataParallel: bucket capacity \(bucketCapacity) must be positive")
        self.group = group
        self.module = module
        self.overlapsCommunication = overlapsCommunication
        parameters = module.trainableParameters()
        buffers = module.namedBuffers().map(\.1)
        // Gradients of the last layers are final first: bucket in reverse registration order.
        buckets = GradientBucket.plan(counts: parameters.map { $0.shape.reduce(1, *) },
                                      order: Array(parameters.indices.reversed()), capacity: bucketCapacity)
        var bucketOf = [Int](repeating: 0, count: parameters.count)
        for (index, bucket) in buckets.enumerated() {
            for member in bucket.members { bucketOf[member] = index }
        }
        bucketOfParameter = bucketOf
        guard group.size > 1 else { return }
        if synchronizesBatchNorm {
            let statisticsGroup = try group.duplicate()
            for layer in Self.batchNormLayers(in: module) {
                layer.synchronizedSum = { statisticsGroup.differentiableSum($0) }
            }
        }
        for (index, parameter) in parameters.enumerated() {
            parameter.onGradientReady = { [unowned self] in self.gradientBecameFinal(index) }
        }
        try broadcastState()
    }

    deinit {
        for parameter in parameters { parameter.onGradientReady = nil }
    }

    /// Copies rank 0's parameter values and buffers (all of them, frozen ones too) to every rank.
    public func broadcastState() throws {
        guard group.size > 1 else { return }
        for parameter in module.parameters() {
            var failure: Error?
            parameter.update { value in
                do { try value.withUnsafeMutableBufferPointer { try group.broadcast($0, from: 0) } } catch { failure = error }
            }
            if let failure { throw failure }
        }
        for buffer in buffers {
            var value = buffer.value
            try value.withUnsafeMutableBufferPointer { try group.broadcast($0, from: 0) }
            buffer.value = value
        }
    }

    /// Replaces every buffer (running statistics) by its average over the ranks.
    public func averageBuffers() throws {
        guard group.size > 1 else { return }
        for buffer in buffers {
            var value = buffer.value
            try value.withUnsafeMutableBufferPointer { pointer in
                try group.allReduceSum(pointer)
                for index in pointer.indices { pointer[index] /= Float(group.size) }
            }
            buffer.value = value
        }
    }

    /// Back-propagates `loss` (this rank's mean loss over its items) scaled by `share` (this
    /// rank's fraction of the global batch), then sums the gradients over the ranks; on return
    /// every rank holds the same gradients. Pass nil for a rank with nothing to contribute.
    public func backward(_ loss: Tensor?, share: Float) throws {
        guard group.size > 1 else {
            loss?.backward(Tensor(share).reshaped(loss?.shape ?? []))
            return
        }
        for bucket in buckets { bucket.waiting = bucket.members.count }
        nextBucketToStart = 0
        communicationFailure = nil
        isInBackward = overlapsCommunication
        if let loss { loss.backward(Tensor(share).reshaped(loss.shape)) }
        isInBackward = false
        let start = Date()
        defer {
            communicationSeconds += Date().timeIntervalSince(start)
            synchronizedSteps += 1
        }
        if let communicationFailure { throw communicationFailure }
        // Start what backward did not (all buckets when not overlapping, and buckets with
        // parameters that got no gradient), in order, then wait for all.
        while nextBucketToStart < buckets.count { try startBucket(nextBucketToStart) }
        for bucket in buckets {
            try bucket.reduction?.wait()
            bucket.reduction = nil
            bucket.unpack(parameters)
        }
    }

    /// Called by backward when a parameter's gradient is final: starts every bucket whose turn
    /// has come and whose gradients are all final.
    private func gradientBecameFinal(_ index: Int) {
        guard isInBackward, communicationFailure == nil else { return }
        buckets[bucketOfParameter[index]].waiting -= 1
        do {
            while nextBucketToStart < buckets.count && buckets[nextBucketToStart].waiting == 0 {
                try startBucket(nextBucketToStart)
            }
            for bucket in buckets[..<nextBucketToStart] { _ = try bucket.reduction?.poll() }
        } catch {
            communicationFailure = error
        }
    }

    private func startBucket(_ index: Int) throws {
        let bucket = buckets[index]
        bucket.pack(parameters)
        bucket.reduction = try group.startAllReduceSum(bucket.buffer)
        nextBucketToStart = index + 1
    }

    /// The batch-norm layers anywhere in `module`.
    static func batchNormLayers(in module: Module) -> [BatchNorm] {
        var found: [BatchNorm] = []
        if let layer = module as? BatchNorm { found.append(layer) }
        for (_, child) in module.namedChildren() { found += batchNormLayers(in: child) }
        return found
    }
}
