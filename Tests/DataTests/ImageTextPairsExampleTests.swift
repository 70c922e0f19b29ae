import Foundation
import FusionKit
import FusionKitData
import Testing

// The data-layer example of Docs/Architecture.md ("The data layer"), compiled and run here so
// that the recipe stays true: image–caption pairs for retrieval, a data set outside VQA.

/// Image–caption pairs listed in a JSON lines file, one `{"image": "photos/1.jpg", "caption": "…"}`
/// per line, image paths relative to the file.
struct CaptionedImages: Dataset {
    struct Pair: Sendable {
        var image: ImagePlanes
        var caption: String
    }

    let folder: URL
    let rows: [(image: String, caption: String)]
    let prepare: ImagePreprocessing

    init(file: URL, prepare: ImagePreprocessing = .clip(size: 224)) throws {
        folder = file.deletingLastPathComponent()
        self.prepare = prepare
        rows = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String] ?? [:]
            return (object["image"] ?? "", object["caption"] ?? "")
        }
    }

    var count: Int { rows.count }

    func example(at index: Int) throws -> Pair {
        let decoded = try ImageFile.decode(contentsOf: folder.appendingPathComponent(rows[index].image))
        return Pair(image: prepare(decoded.planes()), caption: rows[index].caption)
    }
}

/// The three captioned images of Tests/Fixtures/datasets/captions, as JSON lines.
private let captionsFixture = fixturesFolder.appendingPathComponent("datasets/captions/captions.jsonl")

@Suite("Data layer example: image–caption pairs")
struct ImageTextPairsExampleTests {
    @Test("the pairs load in shuffled batches of image tensors and captions, the same for a seed")
    func pairsInBatches() throws {
        let pairs = try CaptionedImages(file: captionsFixture, prepare: .clip(size: 32))
        let loader = try DataLoader(pairs, batchSize: 2, seed: 1, workers: 2) { examples, _ in
            (images: Tensor(stacking: examples.map(\.image)), captions: examples.map(\.caption))
        }
        var captions: [String] = []
        let batches = loader.batches(epoch: 0)
        while let batch = try batches.next() {
            #expect(batch.images.shape == [batch.captions.count, 3, 32, 32])
            captions += batch.captions
        }
        #expect(captions.sorted() == ["a green square beside a circle", "a red square", "two blue circles"])
        let again = loader.batches(epoch: 0)
        var repeated: [String] = []
        while let batch = try again.next() { repeated += batch.captions }
        #expect(repeated == captions)
    }
}

@Suite("ImageCaptionDataset")
struct ImageCaptionDatasetTests {
    @Test("pairs from JSON lines, written and read back; broken lines name the file and the line")
    func readWrite() throws {
        let pairs = try ImageCaptionDataset(file: captionsFixture, preprocessing: .plain(size: 20))
        #expect(pairs.count == 3 && pairs.entries[1].caption == "two blue circles")
        let second = try pairs.example(at: 1)
        #expect(second.caption == "two blue circles" && second.image.height == 20 && second.image.width == 20)

        let folder = try temporaryFolder("captions")
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("copy.jsonl")
        try ImageCaptionDataset.write(pairs.entries.map { ("/" + pairs.imageURL(0).path.dropFirst(), $0.caption) }, to: copy)
        #expect(try ImageCaptionDataset(file: copy, preprocessing: .plain(size: 20)).entries.map(\.caption) == pairs.entries.map(\.caption))

        try "{\"image\": \"a.png\", \"caption\": \"x\"}\n{\"image\": \"b.png\"}\n".write(to: copy, atomically: true, encoding: .utf8)
        #expect(throws: DatasetError.invalidEntry(path: copy.path, entry: "line 2", reason: "has no \"caption\"")) {
            try ImageCaptionDataset(file: copy, preprocessing: .plain(size: 20))
        }
        try "\n".write(to: copy, atomically: true, encoding: .utf8)
        #expect(throws: DatasetError.empty(path: copy.path)) { try ImageCaptionDataset(file: copy, preprocessing: .plain(size: 20)) }
    }
}
