import FusionKit
import Foundation
import Testing

/// Attention blocks against PyTorch fixtures made by Tests/Fixtures/make_attention_fixtures.py.
@Suite("Attention parity with PyTorch")
struct AttentionParityTests {
    let parity = ParityTests()

    @Test(arguments: ["sdpa_nomask", "sdpa_key_padding", "sdpa_causal", "sdpa_additive"])
    func scaledDotProduct(name: String) throws {
        let f = try ParityTests.load(name)
        let query = f["query"].requiringGradient(), key = f["key"].requiringGradient(), value = f["value"].requiringGradient()
        let mask = AttentionMask(keyPadding: f.tensors["key_padding_mask"], causal: name == "sdpa_causal",
                                 additive: f.tensors["attn_mask"])
        let (output, weights) = Attention.scaledDotProduct(query: query, key: key, value: value, mask: mask)
        parity.expectClose(output, f["output"], "\(name) output")
        parity.expectClose(weights, f["weights"], "\(name) weights")
        output.backward(f["grad_output"])
        parity.expectClose(query.gradient, f["grad.query"], "\(name) query gradient")
        parity.expectClose(key.gradient, f["grad.key"], "\(name) key gradient")
        parity.expectClose(value.gradient, f["grad.value"], "\(name) value gradient")
    }

    @Test(arguments: ["mha_self", "mha_causal"])
    func selfAttention(name: String) throws {
        let f = try ParityTests.load(name)
        var generator = RandomGenerator(seed: 0)
        let attention = MultiheadAttention(embedDimension: 8, headCount: 2, generator: &generator)
        try attention.loadStateDict(parity.parameterState(f))
        let causalMask = f.tensors["attn_mask"].map(AttentionMask.additive(hiding:))
        var weights: Tensor?
        parity.checkLayer(f, attention, parameterKeys: ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]) {
            let result = attention($0, keyPaddingMask: f.tensors["key_padding_mask"], attentionMask: causalMask)
            weights = result.weights
            return result.output
        }
        if let expected = f.tensors["weights"] { parity.expectClose(weights ?? nil, expected, "\(name) averaged weights") }
        if let expected = f.tensors["weights_per_head"] { parity.expectClose(attention.lastWeights, expected, "\(name) weights per head") }
    }

    @Test func crossAttentionWithOtherWidths() throws {
        let f = try ParityTests.load("mha_cross_kdim")
        var generator = RandomGenerator(seed: 0)
        let attention = MultiheadAttention(embedDimension: 8, headCount: 2, keyDimension: 6, valueDimension: 4, generator: &generator)
        try attention.loadStateDict(parity.parameterState(f))
        let query = f["query"].requiringGradient(), key = f["key"].requiringGradient(), value = f["value"].requiringGradient()
        let (output, weights) = attention(query: query, key: key, value: value)
        parity.expectClose(output, f["output"], "output")
        parity.expectClose(weights!, f["weights"], "weights")
        output.backward(f["grad_output"])
        parity.expectClose(query.gradient, f["grad.query"], "query gradient")
        parity.expectClose(key.gradient, f["grad.key"], "key gradient")
        parity.expectClose(value.gradient, f["grad.value"], "value gradient")
        for (name, parameter) in attention.namedParameters() {
            parity.expectClose(parameter.gradient, f["grad.\(name)"], "gradient of \(name)")
        }
    }

    @Test(arguments: [("encoder_postnorm", false), ("encoder_prenorm", true)])
    func encoderLayer(name: String, normFirst: Bool) throws {
        let f = try ParityTests.load(name)
        var generator = RandomGenerator(seed: 0)
        let layer = TransformerEncoderLayer(width: 8, headCount: 2, feedForwardWidth: 16, dropout: 0,
                                            activation: normFirst ? .gelu : .relu, normFirst: normFirst, generator: &generator)
        try layer.loadStateDict(parity.parameterState(f))
        parity.checkLayer(f, layer, parameterKeys: layer.namedParameters().map(\.0)) {
            layer($0, keyPaddingMask: f.tensors["key_padding_mask"])
        }
    }

    @Test func encoderStack() throws {
        let f = try ParityTests.load("encoder_stack")
        var generator = RandomGenerator(seed: 0)
        let encoder = TransformerEncoder(count: 2) {
            TransformerEncoderLayer(width: 8, headCount: 2, feedForwardWidth: 16, dropout: 0, generator: &generator)
        }
        try encoder.loadStateDict(parity.parameterState(f))
        parity.checkLayer(f, encoder, parameterKeys: encoder.namedParameters().map(\.0)) { encoder($0) }
    }

    @Test func decoderCrossAttention() throws {
        let f = try ParityTests.load("decoder_cross")
        var generator = RandomGenerator(seed: 0)
        let layer = TransformerDecoderLayer(width: 8, headCount: 2, feedForwardWidth: 16, dropout: 0, generator: &generator)
        try layer.loadStateDict(parity.parameterState(f))
        let memory = f["memory"].requiringGradient()
        parity.checkLayer(f, layer, parameterKeys: layer.namedParameters().map(\.0)) {
            layer($0, memory: memory, memoryKeyPaddingMask: f.tensors["memory_key_padding_mask"])
        }
        parity.expectClose(memory.gradient, f["grad.memory"], "memory gradient")
    }

    @Test func sinusoidalTable() throws {
        let f = try ParityTests.load("sinusoidal_positions")
        parity.expectClose(SinusoidalPositionalEncoding.makeTable(length: 7, width: 8), f["output"], "sinusoidal table")
    }
}
