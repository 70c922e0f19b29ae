import FusionKit
import Foundation
import Testing

/// `CLIPModel` against `transformers.CLIPModel` on the folder made by Tests/Fixtures/make_clip_fixtures.py,
/// and the contrastive loss and recall@K against values worked out by hand.
@Suite("CLIP against Hugging Face")
struct CLIPModelTests {
    static let folder = TestPaths.tests.appendingPathComponent("Fixtures/clip/small")


    @Test("both towers, the embeddings, the logits, the contrastive loss and its gradients match transformers")
    func parity() throws {
        let expected = try SafeTensors.read(contentsOf: Self.folder.appendingPathComponent("expected.safetensors"))
        let model = try CLIPModel(folder: Self.folder)
        model.freeze()
        for module: Module in [model.vision.layers[1], model.text.layers[1], model.visualProjection, model.textProjection] {
            module.unfreeze()
        }
        model.logitScale.isTrainable = true
        let (pixels, ids, mask) = (expected["pixels"]!, expected["input_ids"]!, expected["attention_mask"]!)

        let vision = model.vision(pixels)
        for (index, state) in vision.hiddenStates.enumerated() {
            #expect(scaledError(state, expected["vision.hidden_state.\(index)"]!) < 1e-4, "vision hidden state \(index)")
        }
        #expect(scaledError(vision.lastHiddenState, expected["vision.last_hidden_state"]!) < 1e-4)
        #expect(scaledError(vision.pooled, expected["vision.pooled"]!) < 1e-4)
        let text = model.text(ids: ids, attentionMask: mask)
        // Padded positions are compared too: under the causal mask no real token sees them, and
        // they see only real tokens and themselves, as in transformers.
        for (index, state) in text.hiddenStates.enumerated() {
            #expect(scaledError(state, expected["text.hidden_state.\(index)"]!) < 1e-4, "text hidden state \(index)")
        }
        #expect(scaledError(text.lastHiddenState, expected["text.last_hidden_state"]!) < 1e-4)
        #expect(scaledError(text.pooled, expected["text.pooled"]!) < 1e-4)
        #expect(scaledError(SentenceEmbedding.l2Normalized(model.imageEmbeddings(pixels)), expected["image_embeds"]!) < 1e-4)
        #expect(scaledError(SentenceEmbedding.l2Normalized(model.textEmbeddings(ids: ids, attentionMask: mask)),
                              expected["text_embeds"]!) < 1e-4)

        let logits = model.logitsPerText(images: pixels, ids: ids, attentionMask: mask)
        #expect(scaledError(logits, expected["logits_per_text"]!) < 1e-4)
        let loss = contrastiveLoss(logitsPerText: logits)
        #expect(abs(loss.scalar - expected["loss"]!.scalars[0]) < 1e-4 * abs(expected["loss"]!.scalars[0]))
        loss.backward()
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters())
        expectGradientsMatch(expected, model, count: 35, label: "CLIP")
        #expect(parameters["vision_model.embeddings.class_embedding"]?.gradient == nil)
    }

    @Test("the contrastive loss and recall@K by hand")
    func lossAndRecall() {
        // Two pairs: logits [[2, 0], [1, 3]].
        let logits = Tensor([2, 0, 1, 3], shape: [2, 2])
        // Rows: −log softmax([2, 0])[0] and −log softmax([1, 3])[1]; columns: [2, 1] → 0, [0, 3] → 1.
        func nll(_ a: Double, _ b: Double) -> Double { -(a - Foundation.log(Foundation.exp(a) + Foundation.exp(b))) }
        let expected = 0.5 * ((nll(2, 0) + nll(3, 1)) / 2 + (nll(2, 1) + nll(3, 0)) / 2)
        #expect(abs(Double(contrastiveLoss(logitsPerText: logits).scalar) - expected) < 1e-6)
        // Three queries: the match ranks 1st, 2nd and 3rd.
        let similarities = Tensor([0.9, 0.1, 0.0,
                                   0.8, 0.5, 0.2,
                                   0.7, 0.6, 0.1], shape: [3, 3])
        #expect(Retrieval.recall(similarities: similarities, k: 1) == Float(1) / 3)
        #expect(Retrieval.recall(similarities: similarities, k: 2) == Float(2) / 3)
        #expect(Retrieval.recall(similarities: similarities, k: 3) == 1)
        // A tie with the match counts against it.
        #expect(Retrieval.recall(similarities: Tensor([1, 1, 0, 1], shape: [2, 2]), k: 1) == 0.5)
    }
}
