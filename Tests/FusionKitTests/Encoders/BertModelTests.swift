import FusionKit
import Foundation
import Testing

/// `BertModel` against `transformers.BertModel` on folders made by
/// Tests/Fixtures/make_bert_fixtures.py: every hidden state, the pooler and the gradients of a
/// fine-tuned last layer, within 1e-4 relative.
@Suite("BERT against Hugging Face")
struct BertModelTests {
    static let fixtures = TestPaths.tests.appendingPathComponent("Fixtures/bert")


    @Test("outputs, pooler and last-layer gradients match transformers",
          arguments: ["small", "wide", "sharded", "bf16", "old_style"])
    func parity(folder name: String) throws {
        let folder = Self.fixtures.appendingPathComponent(name)
        let expected = try SafeTensors.read(contentsOf: folder.appendingPathComponent("expected.safetensors"))
        let model = try BertModel(folder: folder)
        // Fine-tune the last layer and the pooler, the rest frozen.
        model.freeze()
        model.layers.last!.unfreeze()
        model.pooler?.unfreeze()
        let output = model(ids: expected["input_ids"]!, attentionMask: expected["attention_mask"]!,
                           tokenTypes: expected["token_type_ids"]!)
        #expect(output.hiddenStates.count == model.configuration.layerCount + 1)
        // Padded positions' states are not compared: they hold whatever the model computes there
        // and no gradient leaves them (grad_last is zero there).
        let mask = expected["attention_mask"]!.reshaped(expected["attention_mask"]!.shape + [1])
        for (index, state) in output.hiddenStates.enumerated() {
            let error = scaledError(state * mask, expected["hidden_state.\(index)"]! * mask)
            #expect(error < 1e-4, "\(name): hidden state \(index) differs by \(error)")
        }
        #expect(scaledError(output.pooled, expected["pooler"]!) < 1e-4, "\(name): pooler")
        let loss = (output.lastHiddenState * expected["grad_last"]!).sum() + (output.pooled! * expected["grad_pooler"]!).sum()
        loss.backward()
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters())
        expectGradientsMatch(expected, model, count: 18, label: "\(name)")
        #expect(parameters["embeddings.word_embeddings.weight"]?.gradient == nil)
    }

    @Test("keys are Hugging Face's, and a model saved by FusionKit loads back")
    func keysRoundTrip() throws {
        var configuration = BertConfiguration()
        (configuration.hiddenSize, configuration.layerCount, configuration.headCount) = (16, 1, 2)
        (configuration.intermediateSize, configuration.vocabularySize, configuration.maximumPositions) = (20, 30, 8)
        let model = BertModel(configuration)
        let keys = Set(model.stateDict().keys)
        for key in ["embeddings.word_embeddings.weight", "embeddings.LayerNorm.bias", "encoder.layer.0.attention.self.query.weight",
                    "encoder.layer.0.attention.output.LayerNorm.weight", "encoder.layer.0.intermediate.dense.bias",
                    "encoder.layer.0.output.dense.weight", "pooler.dense.weight"] {
            #expect(keys.contains(key), "\(key) missing from \(keys.sorted())")
        }
        #expect(keys.count == 5 + 16 + 2)
        // Saved with those keys, the folder loads back into an equal model.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bert-save-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.save(to: folder.appendingPathComponent("model.safetensors"))
        let json = #"{"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 20, "#
            + #""vocab_size": 30, "max_position_embeddings": 8}"#
        try Data(json.utf8).write(to: folder.appendingPathComponent("config.json"))
        let loaded = try BertModel(folder: folder)
        #expect(loaded.configuration == configuration)
        #expect(loaded.stateDict() == model.stateDict())
        // The same weights as tensors in memory (`weights()`, then `loadPretrained`) rather than
        // read from the file into each parameter's storage: the same model.
        let viaTensors = BertModel(configuration)
        try viaTensors.loadPretrained(try ModelFolder(folder).weights(), from: folder.path)
        #expect(viaTensors.stateDict() == loaded.stateDict())
    }

    @Test("a folder with wrong keys, a bad configuration or a missing file is a typed error naming it")
    func badFolders() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let small = Self.fixtures.appendingPathComponent("small")

        // No config.json.
        var error = #expect(throws: ModelFolderError.self) { try BertModel(folder: directory) }
        #expect(error == .missingFile(folder: directory.path, what: "config.json"))

        // A configuration that cannot be built, then one that is not JSON.
        try Data(#"{"hidden_size": 30, "num_attention_heads": 4}"#.utf8).write(to: directory.appendingPathComponent("config.json"))
        error = #expect(throws: ModelFolderError.self) { try BertModel(folder: directory) }
        #expect(error?.description.contains("not a multiple of num_attention_heads") == true, "\(String(describing: error))")
        try Data("{not json".utf8).write(to: directory.appendingPathComponent("config.json"))
        error = #expect(throws: ModelFolderError.self) { try BertModel(folder: directory) }
        guard case .invalidConfiguration(let path, _)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(path.hasSuffix("config.json"))

        // No weights.
        try FileManager.default.copyItem(at: small.appendingPathComponent("config.json"),
                                         to: directory.appendingPathComponent("c.json"))
        try FileManager.default.removeItem(at: directory.appendingPathComponent("config.json"))
        try FileManager.default.moveItem(at: directory.appendingPathComponent("c.json"), to: directory.appendingPathComponent("config.json"))
        error = #expect(throws: ModelFolderError.self) { try BertModel(folder: directory) }
        #expect(error == .missingFile(folder: directory.path, what: "model.safetensors or model.safetensors.index.json"))

        // Weights with a renamed key and a stray one: both reported together; not strict loads the rest.
        var weights = try SafeTensors.read(contentsOf: small.appendingPathComponent("model.safetensors")).tensors
        weights["encoder.layer.0.attention.self.kwery.weight"] = weights.removeValue(forKey: "encoder.layer.0.attention.self.query.weight")
        weights["bert.embeddings.position_ids"] = Tensor([0, 1])
        try SafeTensors.write(weights, to: directory.appendingPathComponent("model.safetensors"))
        error = #expect(throws: ModelFolderError.self) { try BertModel(folder: directory) }
        #expect(error == .keyMismatch(folder: directory.path, missing: ["encoder.layer.0.attention.self.query.weight"],
                                      unexpected: ["encoder.layer.0.attention.self.kwery.weight"]))
        let lenient = try BertModel(folder: directory, strict: false)
        #expect(lenient.layers[1].query.weight.value == weights["encoder.layer.1.attention.self.query.weight"])
    }

    @Test("a shard index that names a file outside the folder, or disagrees with its shards, is refused")
    func badShardIndex() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shards-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("sharded"), to: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        let original = try String(contentsOf: index, encoding: .utf8)
        for (from, to, words) in [("model-00002-of-00003.safetensors", "../model-00002-of-00003.safetensors", "not a file name"),
                                  ("\"embeddings.LayerNorm.bias\": \"model-00001", "\"embeddings.LayerNorm.bias\": \"model-00002",
                                   "embeddings.LayerNorm.bias")] {
            try original.replacingOccurrences(of: from, with: to).write(to: index, atomically: true, encoding: .utf8)
            let error = #expect(throws: ModelFolderError.self) { try ModelFolder(directory).weights() }
            guard case .invalidIndex(let path, let reason)? = error else { Issue.record("\(String(describing: error))"); continue }
            #expect(path == index.path && reason.contains(words), "\(reason)")
        }
    }
}
