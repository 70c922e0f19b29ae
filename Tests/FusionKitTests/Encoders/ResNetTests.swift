import FusionKit
import Foundation
import Testing

/// `ResNet` against torchvision's ResNet-18 and ResNet-50 (Tests/Fixtures/make_resnet_fixtures.py):
/// both sides set every weight by the same formula, so only outputs are stored.
@Suite("ResNet against torchvision")
struct ResNetTests {
    static let fixtures = TestPaths.tests.appendingPathComponent("Fixtures/resnet")

    /// The fixture script's `deterministic_value` for the k-th key (sorted) of `shape`.
    static func deterministicValue(key: String, index k: Int, shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        let name = key.split(separator: ".").last.map(String.init) ?? key
        let values = (0..<count).map { i -> Float in
            let wave = Foundation.sin(Double(i) * 0.731 + 1.3 * Double(k))
            switch name {
            case "weight" where shape.count >= 2: return Float(wave * (2.0 / Double(shape.dropFirst().reduce(1, *))).squareRoot())
            case "weight": return Float(0.5 + 0.1 * wave)
            case "bias", "running_mean": return Float(0.1 * wave)
            case "running_var": return Float(1.0 + 0.25 * (1.0 + wave))
            default: return 0   // num_batches_tracked
            }
        }
        return Tensor(values, shape: shape)
    }


    @Test("every stage, the pooled vector, the logits and a fine-tuned last block's gradients match torchvision",
          arguments: [18, 50])
    func parity(depth: Int) throws {
        let expected = try SafeTensors.read(contentsOf: Self.fixtures.appendingPathComponent("resnet\(depth).safetensors"))
        var generator = RandomGenerator(seed: 0)
        let model = ResNet(depth: depth, classCount: 10, generator: &generator)
        var state: [String: Tensor] = [:]
        for (k, (key, tensor)) in model.stateDict().sorted(by: { $0.key < $1.key }).enumerated() {
            state[key] = Self.deterministicValue(key: key, index: k, shape: tensor.shape)
        }
        try model.loadStateDict(state)
        model.eval()
        model.freeze()
        let last = depth == 18 ? model.layer4[1] : model.layer4[2]
        last.unfreeze()

        let features = model.features(expected["input"]!)
        #expect(scaledError(features.stem, expected["stem"]!) < 1e-4, "stem")
        for (index, stage) in features.stages.enumerated() {
            let error = scaledError(stage, expected["stage.\(index + 1)"]!)
            #expect(error < 1e-4, "stage \(index + 1) differs by \(error)")
        }
        #expect(scaledError(features.pooled, expected["pooled"]!) < 1e-4, "pooled")
        let logits = model.fc(features.pooled)
        #expect(scaledError(logits, expected["logits"]!) < 1e-4, "logits")

        (logits * expected["grad_logits"]!).sum().backward()
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters())
        let sampled = expected.tensors.keys.filter { $0.hasPrefix("grad_sample.") }
        #expect(sampled.count == (depth == 18 ? 6 : 9))
        for key in sampled {
            let name = String(key.dropFirst("grad_sample.".count))
            let gradient = try #require(parameters[name]?.gradient, "\(name) has no gradient")
            let flat = gradient.scalars
            let sample = Tensor(Array(stride(from: 0, to: flat.count, by: 97).map { flat[$0] }.prefix(1024)))
            let error = scaledError(sample, expected[key]!)
            #expect(error < 1e-4, "gradient of \(name) differs by \(error)")
            let norm = flat.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
            let expectedNorm = Double(expected["grad_norm.\(name)"]!.scalars[0])
            #expect(abs(norm - expectedNorm) <= 1e-4 * expectedNorm, "gradient norm of \(name): \(norm) against \(expectedNorm)")
        }
        #expect(parameters["conv1.weight"]?.gradient == nil)
    }

    @Test("keys are torchvision's")
    func keys() {
        let keys = Set(ResNet(depth: 50, classCount: 7).stateDict().keys)
        for key in ["conv1.weight", "bn1.running_mean", "bn1.num_batches_tracked", "layer1.0.conv1.weight", "layer1.0.conv3.weight",
                    "layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_var", "layer4.2.bn3.bias", "fc.weight", "fc.bias"] {
            #expect(keys.contains(key), "\(key)")
        }
        #expect(!keys.contains("layer1.1.downsample.0.weight"))
        // torchvision's ResNet-50 state dict has 320 entries (161 parameters, 159 buffers).
        #expect(keys.count == 320)
        #expect(ResNet(depth: 18).stateDict().count == 122)
    }
}
