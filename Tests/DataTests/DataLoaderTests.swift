import Foundation
import FusionKit
import FusionKitData
import Testing

/// A data set that records nothing and computes each example from its index (slowly, when asked),
/// failing at chosen indices.
private struct NumberDataset: Dataset {
    let count: Int
    var failing: Set<Int> = []
    var microseconds: UInt32 = 0
    struct Failure: Error, CustomStringConvertible { let index: Int; var description: String { "file-\(index).png is corrupt" } }
    func example(at index: Int) throws -> Int {
        if microseconds > 0 { usleep(microseconds) }
        if failing.contains(index) { throw Failure(index: index) }
        return index * 10
    }
}

@Suite("DataLoader")
struct DataLoaderTests {
    private func loader(_ dataset: NumberDataset, batch: Int = 4, workers: Int, prefetch: Int = 2, seed: UInt64 = 3,
                        rank: Int = 0, worldSize: Int = 1) throws -> DataLoader<NumberDataset, [Int]> {
        try DataLoader(dataset, batchSize: batch, seed: seed, rank: rank, worldSize: worldSize, workers: workers,
                       prefetch: prefetch) { examples, context in
            #expect(examples == context.indices.map { $0 * 10 })
            return examples
        }
    }

    private func drain(_ batches: EpochBatches<[Int]>) throws -> [[Int]] {
        var all: [[Int]] = []
        while let batch = try batches.next() { all.append(batch) }
        return all
    }

    @Test("background workers hand out exactly the batches the plain path loads, in order")
    func workersEqualReference() throws {
        let dataset = NumberDataset(count: 23, microseconds: 200)
        let reference = try loader(dataset, workers: 0)
        for workers in [1, 3] {
            let threaded = try loader(dataset, workers: workers)
            for epoch in 0..<2 {
                let expected = try (0..<reference.batchesPerEpoch).map { try reference.loadBatch(epoch: epoch, step: $0) }
                #expect(try drain(threaded.batches(epoch: epoch)) == expected)
            }
        }
        // Every example once per epoch, a different order in the next epoch.
        let epoch0 = try drain(reference.batches(epoch: 0)).flatMap { $0 }
        #expect(epoch0.sorted() == (0..<23).map { $0 * 10 })
        #expect(epoch0 != (0..<23).map { $0 * 10 })
        #expect(try drain(reference.batches(epoch: 1)).flatMap { $0 } != epoch0)
    }

    @Test("resuming at a position gives the rest of the uninterrupted epoch")
    func resume() throws {
        let dataset = NumberDataset(count: 30)
        let loader = try loader(dataset, batch: 4, workers: 2)
        let whole = try drain(loader.batches(epoch: 2))
        let first = loader.batches(epoch: 2)
        _ = try first.next(); _ = try first.next(); _ = try first.next()
        let position = first.position
        #expect(position == LoaderPosition(epoch: 2, step: 3))
        // The position survives a round trip through JSON (it goes into checkpoints).
        let restored = try JSONDecoder().decode(LoaderPosition.self, from: JSONEncoder().encode(position))
        #expect(try drain(loader.batches(from: restored)) == Array(whole[3...]))
    }

    @Test("two ranks load disjoint shares whose union is the one-process batch")
    func shards() throws {
        let dataset = NumberDataset(count: 21)
        let single = try loader(dataset, batch: 6, workers: 1)
        let ranks = try (0..<2).map { try loader(dataset, batch: 6, workers: 1, rank: $0, worldSize: 2) }
        let whole = try drain(single.batches(epoch: 1))
        let shares = try ranks.map { try drain($0.batches(epoch: 1)) }
        for step in whole.indices {
            #expect(Set(shares[0][step]).isDisjoint(with: shares[1][step]))
            #expect(shares[0][step] + shares[1][step] == whole[step])
        }
        #expect(throws: DataLoaderError.self) { try loader(NumberDataset(count: 7), batch: 6, workers: 0, rank: 0, worldSize: 2) }
    }

    @Test("a failing example is an error naming it, at its batch, and the batches before it arrive")
    func failure() throws {
        let dataset = NumberDataset(count: 12, failing: [5])
        for workers in [0, 2] {
            let loader = try DataLoader(dataset, batchSize: 4, shuffle: false, workers: workers) { examples, _ in examples }
            let batches = loader.batches(epoch: 0)
            #expect(try batches.next() == [0, 10, 20, 30])
            do {
                _ = try batches.next()
                Issue.record("the batch holding example 5 loaded")
            } catch let error as DataLoaderError {
                #expect(error == .exampleFailed(index: 5, epoch: 0, step: 1, reason: "file-5.png is corrupt"))
                #expect("\(error)".contains("file-5.png"))
            }
        }
    }

    @Test("workers stay at most `prefetch` batches ahead, and a dropped epoch stops them")
    func boundedPrefetch() throws {
        final class Counter: @unchecked Sendable {
            let lock = NSLock()
            var loaded = 0
            func add() { lock.lock(); loaded += 1; lock.unlock() }
            var value: Int { lock.lock(); defer { lock.unlock() }; return loaded }
        }
        let counter = Counter()
        let loader = try DataLoader(NumberDataset(count: 100), batchSize: 2, workers: 2, prefetch: 3) { examples, _ in
            counter.add()
            return examples
        }
        var batches: EpochBatches<[Int]>? = loader.batches(epoch: 0)
        _ = try batches?.next()
        Thread.sleep(forTimeInterval: 0.2)
        // One handed out plus at most three ahead.
        #expect(counter.value <= 4)
        batches = nil
        let afterDrop = counter.value
        Thread.sleep(forTimeInterval: 0.1)
        #expect(counter.value == afterDrop)
    }
}
