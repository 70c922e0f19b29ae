import FusionKit
import FusionKitDistributed
import FusionKitData
import Testing

@Suite("DistributedSampler")
struct SamplerTests {
    @Test("the ranks' shares of every global batch are disjoint, cover it, and differ in size by at most one")
    func sharesPartitionBatches() throws {
        for (count, batch, ranks) in [(100, 64, 2), (103, 10, 3), (9800, 8, 8), (65, 64, 1)] {
            let samplers = try (0..<ranks).map {
                try DistributedSampler(count: count, globalBatchSize: batch, rank: $0, worldSize: ranks, seed: 5)
            }
            for epoch in 0..<2 {
                let orders = samplers.map { $0.order(epoch: epoch) }
                #expect(orders.allSatisfy { $0 == orders[0] })
                #expect(orders[0].sorted() == Array(0..<count))
                var seen: [Int] = []
                for step in 0..<samplers[0].stepsPerEpoch {
                    let global = samplers[0].globalBatch(step: step, of: orders[0])
                    let shares = samplers.map { Array($0.localShare(of: global)) }
                    #expect(shares.flatMap { $0 } == Array(global))
                    let sizes = shares.map(\.count)
                    #expect(sizes.max()! - sizes.min()! <= 1)
                    seen += shares.flatMap { $0 }
                }
                #expect(seen == orders[0])
            }
        }
    }

    @Test("a different epoch or seed gives a different order; the same ones the same")
    func ordersAreSeeded() throws {
        let sampler = try DistributedSampler(count: 50, globalBatchSize: 10, seed: 1)
        #expect(sampler.order(epoch: 0) == sampler.order(epoch: 0))
        #expect(sampler.order(epoch: 0) != sampler.order(epoch: 1))
        let other = try DistributedSampler(count: 50, globalBatchSize: 10, seed: 2)
        #expect(other.order(epoch: 0) != sampler.order(epoch: 0))
    }

    @Test("a batch smaller than the number of ranks is a typed error")
    func tooFewItems() {
        // 65 items in batches of 64 leave a last batch of 1 for 2 ranks.
        #expect(throws: DataLoaderError.self) {
            try DistributedSampler(count: 65, globalBatchSize: 64, rank: 0, worldSize: 2, seed: 1)
        }
        #expect(throws: DataLoaderError.self) {
            try DistributedSampler(count: 10, globalBatchSize: 4, rank: 3, worldSize: 2, seed: 1)
        }
    }
}
