import FusionKit

/// Which items each batch holds, and which part of it each process loads: every epoch has one
/// order of all `count` items (shuffled, the same on every process, recomputed from the seed and
/// the epoch, so resuming needs only the epoch and step); step `s` takes the global batch
/// `order[s·globalBatchSize ..< (s+1)·globalBatchSize]` and each rank a contiguous share of it,
/// the shares differing by at most one item. One process with the same global batch size sees
/// exactly the union of the ranks' shares. (`FusionKitDistributed` calls it `DistributedSampler`.)
public struct BatchSampler: Sendable, Equatable {
    public let count: Int
    public let globalBatchSize: Int
    public let rank: Int
    public let worldSize: Int
    public let seed: UInt64
    /// False: every epoch takes the items in order 0, 1, 2, … (evaluation).
    public let shuffles: Bool

    /// Throws when some step's global batch would leave a rank without items (the ranks would
    /// then run different collectives): every batch, the last one included, needs at least
    /// `worldSize` items.
    public init(count: Int, globalBatchSize: Int, rank: Int = 0, worldSize: Int = 1, seed: UInt64,
                shuffles: Bool = true) throws(DataLoaderError) {
        guard count > 0, globalBatchSize > 0, worldSize > 0, (0..<worldSize).contains(rank) else {
            throw .invalidSetup("a sampler needs items, a positive batch size and a rank in 0..<\(worldSize)")
        }
        let last = count % globalBatchSize == 0 ? Swift.min(globalBatchSize, count) : count % globalBatchSize
        guard Swift.min(globalBatchSize, last) >= worldSize else {
            throw .invalidSetup("a batch of \(Swift.min(globalBatchSize, last)) items cannot be shared "
                + "by \(worldSize) ranks (\(count) items in batches of \(globalBatchSize)); choose a batch size or item "
                + "count that leaves every batch at least \(worldSize) items")
        }
        self.count = count
        self.globalBatchSize = globalBatchSize
        self.rank = rank
        self.worldSize = worldSize
        self.seed = seed
        self.shuffles = shuffles
    }

    /// Steps in one epoch (the last batch may be smaller).
    public var stepsPerEpoch: Int { (count + globalBatchSize - 1) / globalBatchSize }

    /// The order of all items in `epoch`, identical on every rank.
    public func order(epoch: Int) -> [Int] {
        shuffles ? Self.shuffledOrder(count: count, seed: seed, epoch: epoch) : Array(0..<count)
    }

    /// This rank's items in `step` of `epoch`.
    public func localItems(epoch: Int, step: Int) -> ArraySlice<Int> {
        localShare(of: globalBatch(step: step, of: order(epoch: epoch)))
    }

    /// The global batch of `step` in an epoch whose order is `order`.
    public func globalBatch(step: Int, of order: [Int]) -> ArraySlice<Int> {
        order[(step * globalBatchSize)..<Swift.min((step + 1) * globalBatchSize, count)]
    }

    /// This rank's share of a global batch.
    public func localShare(of batch: ArraySlice<Int>) -> ArraySlice<Int> {
        let range = Self.shareRange(count: batch.count, rank: rank, worldSize: worldSize)
        return batch[(batch.startIndex + range.lowerBound)..<(batch.startIndex + range.upperBound)]
    }

    /// Rank `rank`'s contiguous part of `count` items split `worldSize` ways (sizes differ by at most one).
    public static func shareRange(count: Int, rank: Int, worldSize: Int) -> Range<Int> {
        (count * rank / worldSize)..<(count * (rank + 1) / worldSize)
    }

    /// A Fisher–Yates shuffle of `0..<count` driven by a generator seeded from (seed, epoch).
    public static func shuffledOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var generator = RandomGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(epoch))
        var order = Array(0..<count)
        if count < 2 { return order }
        for index in stride(from: count - 1, to: 0, by: -1) {
            let other = Int(generator.next() % UInt64(index + 1))
            order.swapAt(index, other)
        }
        return order
    }
}
