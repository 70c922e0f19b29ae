import FusionKit
import Foundation

/// Pretrained image and text encoders beside PyTorch, from the same weights: torchvision's
/// ResNet-50 at 224 × 224 (the peer loads the state dict written here into
/// `torchvision.models.resnet50`) and CLIP ViT-B/32's image and text towers (the peer loads the
/// folder written here with `transformers.CLIPModel`).
enum ImageEncoderWorkloads {
    static var resnetFile: URL { BertWorkloads.benchFolder.appendingPathComponent("resnet50.safetensors") }
    static var clipFolder: URL { BertWorkloads.benchFolder.appendingPathComponent("clip-vit-b32") }

    /// ViT-B/32 as `openai/clip-vit-base-patch32` configures it.
    static var clipConfiguration: CLIPConfiguration {
        var text = CLIPConfiguration.Tower(hiddenSize: 512, intermediateSize: 2048, layerCount: 12, headCount: 8)
        text.endOfTextTokenID = 49407
        var vision = CLIPConfiguration.Tower(hiddenSize: 768, intermediateSize: 3072, layerCount: 12, headCount: 12)
        (vision.imageSize, vision.patchSize) = (224, 32)
        return CLIPConfiguration(text: text, vision: vision)
    }

    static func writeResNet() throws -> ResNet {
        var generator = RandomGenerator(seed: 31)
        let model = ResNet(depth: 50, classCount: 1000, generator: &generator)
        if !FileManager.default.fileExists(atPath: resnetFile.path) {
            try FileManager.default.createDirectory(at: BertWorkloads.benchFolder, withIntermediateDirectories: true)
            try model.save(to: resnetFile)
        }
        return model
    }

    static func writeCLIP() throws -> CLIPModel {
        let weights = clipFolder.appendingPathComponent("model.safetensors")
        if FileManager.default.fileExists(atPath: weights.path) { return try CLIPModel(folder: clipFolder) }
        try FileManager.default.createDirectory(at: clipFolder, withIntermediateDirectories: true)
        let configuration = clipConfiguration
        var generator = RandomGenerator(seed: 32)
        let model = CLIPModel(configuration, generator: &generator)
        func tower(_ t: CLIPConfiguration.Tower, vision: Bool) -> [String: Any] {
            var json: [String: Any] = ["hidden_size": t.hiddenSize, "intermediate_size": t.intermediateSize,
                                       "num_hidden_layers": t.layerCount, "num_attention_heads": t.headCount,
                                       "hidden_act": t.hiddenActivation, "layer_norm_eps": Double(t.layerNormEpsilon)]
            if vision {
                json["image_size"] = t.imageSize
                json["patch_size"] = t.patchSize
            } else {
                json["vocab_size"] = t.vocabularySize
                json["max_position_embeddings"] = t.maximumPositions
                json["eos_token_id"] = t.endOfTextTokenID
            }
            return json
        }
        let json: [String: Any] = ["model_type": "clip", "architectures": ["CLIPModel"], "projection_dim": configuration.projectionSize,
                                   "text_config": tower(configuration.text, vision: false),
                                   "vision_config": tower(configuration.vision, vision: true)]
        try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]).write(to: clipFolder.appendingPathComponent("config.json"))
        try model.save(to: weights)
        model.eval()
        return model
    }

    /// Images both sides compute the same way: value i = sin(0.37·i).
    static func images(_ batch: Int, side: Int = 224) -> Tensor {
        let count = batch * 3 * side * side
        return Tensor((0..<count).map { Float(Foundation.sin(Double($0) * 0.37)) }, shape: [batch, 3, side, side])
    }

    /// Token ids both sides compute the same way: 49406, then (7·t + 31·b) mod 40000 + 300, then 49407.
    static func ids(_ batch: Int, length: Int = 32) -> Tensor {
        var values: [Float] = []
        for b in 0..<batch {
            values.append(49406)
            for t in 1..<(length - 1) { values.append(Float((7 * t + 31 * b) % 40_000 + 300)) }
            values.append(49407)
        }
        return Tensor(values, shape: [batch, length])
    }

    static func resnetForward(batch: Int) -> Workload {
        let name = "resnet50-forward b\(batch) 224"
        return Workload(name: name, sizes: [batch]) {
            let model: ResNet
            do { model = try writeResNet() } catch { fatalError("bench: cannot write \(resnetFile.path): \(error)") }
            model.eval()
            let input = images(batch)
            let seconds = Timing.secondsPerCall(samples: batch > 1 ? 3 : 7) { withoutGradient { _ = model(input) } }
            return Record(name: name, fusionkitSeconds: seconds)
        }
    }

    static func clipForward(tower: String, batch: Int) -> Workload {
        let name = "clip-\(tower)-forward b\(batch)"
        return Workload(name: name, sizes: [batch]) {
            let model: CLIPModel
            do { model = try writeCLIP() } catch { fatalError("bench: cannot write \(clipFolder.path): \(error)") }
            let body: () -> Void
            if tower == "image" {
                let input = images(batch)
                body = { withoutGradient { _ = model.imageEmbeddings(input) } }
            } else {
                let input = ids(batch)
                body = { withoutGradient { _ = model.textEmbeddings(ids: input) } }
            }
            return Record(name: name, fusionkitSeconds: Timing.secondsPerCall(samples: batch > 1 ? 3 : 7, body))
        }
    }

    static func all() -> [Workload] {
        [resnetForward(batch: 1), resnetForward(batch: 32)]
            + ["image", "text"].flatMap { tower in [clipForward(tower: tower, batch: 1), clipForward(tower: tower, batch: 32)] }
    }
}
