import Foundation
import FusionKit
import FusionKitData
import Testing

@Suite("Ranking captions for a picture with CLIP")
struct ImageTextRankingTests {
    let folder = fixturesFolder.appendingPathComponent("clip/rank")

    @Test("the picture's pixels, the captions' ids and the logits equal Hugging Face's CLIP on the same pipeline")
    func parity() throws {
        let model = try CLIPModel(folder: folder)
        let tokenizer = try CLIPTokenizer(folder: folder)
        let expected = try SafeTensors.read(contentsOf: folder.appendingPathComponent("expected.safetensors")).tensors
        let captions = try JSONDecoder().decode([String].self, from: Data(contentsOf: folder.appendingPathComponent("captions.json")))
        let planes = ImageTextRanking.preprocessing(for: model)(try ImageFile.decode(contentsOf: folder.appendingPathComponent("photo.png")).planes())
        let pixels = Tensor(stacking: [planes])
        let reference = expected["pixels"]!
        #expect(pixels.shape == reference.shape)
        #expect(zip(pixels.scalars, reference.scalars).map { abs($0 - $1) }.max()! < 1e-5)
        let batch = tokenizer.encode(batch: captions)
        #expect(batch.idTensor.scalars == expected["input_ids"]!.scalars)

        let logits = try ImageTextRanking.logits(pixels: pixels, captions: captions, model: model, tokenizer: tokenizer)
        let want = expected["logits_per_text"]!.scalars
        let scale = want.map(abs).max()!
        #expect(zip(logits, want).map { abs($0 - $1) }.max()! / scale < 1e-4, "\(logits) vs \(want)")

        let ranked = try ImageTextRanking.rank(imageFile: folder.appendingPathComponent("photo.png"), captions: captions,
                                               model: model, tokenizer: tokenizer)
        let order = want.indices.sorted { want[$0] > want[$1] }.map { captions[$0] }
        #expect(ranked.map(\.caption) == order)
        #expect(abs(ranked.map(\.probability).reduce(0, +) - 1) < 1e-5)
    }

    @Test("a tokenizer that does not belong to the model is a typed error, not an out-of-range read")
    func mismatch() throws {
        var configuration = try CLIPModel(folder: folder).configuration
        configuration.text.vocabularySize = 100
        configuration.text.endOfTextTokenID = 99
        let small = CLIPModel(configuration)
        let tokenizer = try CLIPTokenizer(folder: folder)
        #expect(throws: ImageTextRanking.RankingError.self) {
            try ImageTextRanking.logits(pixels: Tensor.zeros([1, 3, 32, 32]), captions: ["a red square"], model: small, tokenizer: tokenizer)
        }
        #expect(throws: ImageTextRanking.RankingError.noCaptions) {
            try ImageTextRanking.logits(pixels: Tensor.zeros([1, 3, 32, 32]), captions: [], model: small, tokenizer: tokenizer)
        }
    }
}
