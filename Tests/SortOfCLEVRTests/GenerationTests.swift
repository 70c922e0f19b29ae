import FusionKit
import Testing
@testable import SortOfCLEVR

/// 64-bit FNV-1a over the images, then the word ids (little-endian Int32), then the answer indices.
func fingerprint(_ dataset: SortOfCLEVRDataset) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ byte: UInt8) {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    for byte in dataset.images { mix(byte) }
    for id in dataset.tokenIDs { withUnsafeBytes(of: id.littleEndian) { $0.forEach(mix) } }
    for question in dataset.questions { mix(UInt8(question.answer.rawValue)) }
    return hash
}

@Suite("Sort-of-CLEVR generation is reproducible")
struct GenerationTests {
    @Test func sameSeedSameBytes() {
        let first = SortOfCLEVRDataset.generate(seed: 7, imageCount: 30)
        let second = SortOfCLEVRDataset.generate(seed: 7, imageCount: 30)
        #expect(first == second)
        #expect(first.images.count == 30 * 75 * 75 * 3)
        #expect(first.questions.count == 30 * 20 && first.tokenIDs.count == 30 * 20 * 16)
        let other = SortOfCLEVRDataset.generate(seed: 8, imageCount: 30)
        #expect(other.images != first.images && other.scenes != first.scenes)
    }

    /// Guards stability across machines, compilers and Swift versions: the data set for a seed
    /// must never change, or published results and saved files stop matching. If this fails after
    /// a deliberate change to the generator, bump `DatasetFile.formatVersion` and pin the new value.
    // Deliberate pattern (same shape as Tests/SortOfCLEVRTests/HarderSortOfCLEVRTests.swift:pinnedFingerprint): each generator pins its own fingerprint; the shared check is expectImagesDoNotDependOnTheCount.
    @Test func pinnedFingerprint() {
        let dataset = SortOfCLEVRDataset.generate(seed: 1, imageCount: 50)
        #expect(fingerprint(dataset) == 10_858_387_162_496_038_871)
    }

    @Test func imagesDoNotDependOnTheCount() {
        expectImagesDoNotDependOnTheCount(SortOfCLEVRDataset.self)
    }

    @Test func paperSplitHasAnIndependentTestSet() {
        let (training, test) = SortOfCLEVRDataset.paperSplit(seed: 5, trainingImageCount: 40, testImageCount: 10)
        #expect(training.imageCount == 40 && test.imageCount == 10)
        let (smaller, sameTest) = SortOfCLEVRDataset.paperSplit(seed: 5, trainingImageCount: 7, testImageCount: 10)
        #expect(sameTest == test)
        #expect(smaller.scenes == Array(training.scenes.prefix(7)))
        #expect(test.seed == SortOfCLEVRDataset.testSeed(for: 5) && test.seed != 5 && training.seed == 5)
        #expect(Set(test.scenes).isDisjoint(with: training.scenes))
        #expect(SortOfCLEVRDataset.paperTrainingImageCount == 9_800 && SortOfCLEVRDataset.paperTestImageCount == 200)
    }

    @Test func emptyDataSet() {
        let empty = SortOfCLEVRDataset.generate(seed: 1, imageCount: 0)
        #expect(empty.imageCount == 0 && empty.images.isEmpty && empty.questions.isEmpty)
    }

    @Test func uniformIntegersCoverTheirRangeEvenly() {
        var generator = RandomGenerator(seed: 11)
        var counts = [Int](repeating: 0, count: 66)
        for _ in 0 ..< 66_000 { counts[generator.uniformInteger(below: 66)] += 1 }
        #expect(counts.allSatisfy { (850 ... 1150).contains($0) }, "\(counts)")
        #expect((0 ..< 100).allSatisfy { _ in generator.uniformInteger(below: 1) == 0 })
        // A bound near 2^64 / 2 rejects about half the draws and still stays in range.
        let large = Int.max / 2 + 7
        #expect((0 ..< 100).allSatisfy { _ in (0 ..< large).contains(generator.uniformInteger(below: large)) })
    }
}
