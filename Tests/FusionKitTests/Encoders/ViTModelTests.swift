import FusionKit
import Foundation
import Testing

/// `ViTModel` against `transformers.ViTModel` on folders made by Tests/Fixtures/make_vit_fixtures.py:
/// every hidden state, the final states, the pooler and the gradients of a fine-tuned last layer
/// (with the final norm and the pooler), within 1e-4 of each tensor's scale.
@Suite("ViT against Hugging Face")
struct ViTModelTests {
    static let fixtures = TestPaths.tests.appendingPathComponent("Fixtures/vit")


    @Test("states, pooler and last-layer gradients match transformers", arguments: ["small", "wide"])
    func parity(name: String) throws {
        let folder = Self.fixtures.appendingPathComponent(name)
        let expected = try SafeTensors.read(contentsOf: folder.appendingPathComponent("expected.safetensors"))
        let model = try ViTModel(folder: folder)
        model.freeze()
        model.layers.last!.unfreeze()
        model.finalNorm.unfreeze()
        model.pooler?.unfreeze()
        let output = model(expected["pixels"]!)
        #expect(output.hiddenStates.count == model.configuration.layerCount + 1)
        for (index, state) in output.hiddenStates.enumerated() {
            let error = scaledError(state, expected["hidden_state.\(index)"]!)
            #expect(error < 1e-4, "\(name): hidden state \(index) differs by \(error)")
        }
        #expect(scaledError(output.lastHiddenState, expected["last_hidden_state"]!) < 1e-4, "\(name): last hidden state")
        #expect(scaledError(output.pooled, expected["pooler"]!) < 1e-4, "\(name): pooler")
        ((output.lastHiddenState * expected["grad_last"]!).sum() + (output.pooled! * expected["grad_pooler"]!).sum()).backward()
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters())
        expectGradientsMatch(expected, model, count: 20, label: "\(name)")
        #expect(parameters["embeddings.cls_token"]?.gradient == nil)

        // Another image size, the position embeddings resized bicubically as transformers does.
        let resized = withoutGradient { model(expected["interpolated.pixels"]!, interpolatingPositions: true) }
        #expect(scaledError(resized.lastHiddenState, expected["interpolated.last_hidden_state"]!) < 1e-4, "\(name): interpolated")
        #expect(scaledError(resized.pooled, expected["interpolated.pooler"]!) < 1e-4, "\(name): interpolated pooler")
    }

    @Test("an image of another size is refused unless the positions are interpolated")
    func imageSize() async {
        await #expect(processExitsWith: .failure) {
            var configuration = ViTConfiguration()
            (configuration.hiddenSize, configuration.layerCount, configuration.headCount) = (8, 1, 2)
            (configuration.intermediateSize, configuration.imageSize, configuration.patchSize) = (8, 16, 8)
            _ = ViTModel(configuration)(Tensor.zeros([1, 3, 24, 24]))
        }
    }
}
