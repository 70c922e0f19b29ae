import FusionKit
import Testing

/// The structured fusions without parity in StructuredFusionTests.swift, against PyTorch
/// (Tests/Fixtures/make_fusion_fixtures_structured2.py): outputs, input gradients and parameter
/// gradients. Every fixture is loaded strictly, so the Swift state dict keys are exactly the
/// PyTorch module's.
@Suite("Structured fusion parity with PyTorch, part 2")
struct StructuredFusionParity2Tests {
    let parity = ParityTests()

    /// Loads `name`, runs `forward` on its inputs and compares the output, the gradient of every
    /// input and of every parameter with `relative` and `absolute` tolerances.
    func check(_ name: String, _ module: Module, modalities: Int, relative: Float = 1e-5, absolute: Float = 1e-6,
               sourceLocation: SourceLocation = #_sourceLocation, _ forward: ([Tensor]) -> Tensor) throws {
        try expectFusionParity(name, module, modalities: modalities, relative: relative, absolute: absolute,
                               sourceLocation: sourceLocation, forward)
    }

    // MARK: attention-based

    @Test func crossModalAttention() throws {
        var generator = RandomGenerator(seed: 0)
        let fusion = CrossModalAttentionFusion(queryWidth: 4, keyWidth: 3, headCount: 2, generator: &generator)
        try check("fusion_cross_modal_attention", fusion, modalities: 2) { fusion.fuse($0) }
    }

    @Test func stackedAttention() throws {
        var generator = RandomGenerator(seed: 0)
        let san = StackedAttentionFusion(width: 3, attentionWidth: 4, hopCount: 2, generator: &generator)
        try check("fusion_stacked_attention", san, modalities: 2) { san.fuse($0) }
    }

    @Test(arguments: [("sigmoid", NonLocalGateFusion.Gate.sigmoid), ("softmax", .softmax)])
    func nonLocalGate(name: String, gate: NonLocalGateFusion.Gate) throws {
        var generator = RandomGenerator(seed: 0)
        let fusion = NonLocalGateFusion(visualWidth: 4, otherWidth: 3, innerWidth: 2, gate: gate, generator: &generator)
        try check("fusion_nonlocal_gate_\(name)", fusion, modalities: 2) { fusion.fuse($0) }
    }

    @Test func crossModalTransformer() throws {
        var generator = RandomGenerator(seed: 0)
        let mult = CrossModalTransformerFusion(widths: [3, 2, 4], width: 4, headCount: 2, feedForwardWidth: 5,
                                               maximumLength: 8, generator: &generator)
        try check("fusion_cross_modal_transformer", mult, modalities: 3) { mult.fuse($0) }
    }

    @Test(arguments: [("mean", EarlyFusionTransformer.Pooling.mean), ("class_token", .classToken)])
    func earlyFusionTransformer(name: String, pooling: EarlyFusionTransformer.Pooling) throws {
        var generator = RandomGenerator(seed: 0)
        let fusion = EarlyFusionTransformer(widths: [3, 2], width: 4, headCount: 2, feedForwardWidth: 6, pooling: pooling,
                                            generator: &generator)
        try check("fusion_early_transformer_\(name)", fusion, modalities: 2) { fusion.fuse($0) }
    }

    @Test func coAttention() throws {
        var generator = RandomGenerator(seed: 0)
        let fusion = CoAttentionFusion(widthA: 4, widthB: 6, headCount: 2, layerCount: 2, feedForwardWidth: 5,
                                       generator: &generator)
        try check("fusion_co_attention", fusion, modalities: 2) { fusion.fuse($0) }
    }

    // MARK: decision level

    @Test(arguments: [("average", LateFusion.Combination.average), ("learned_weights", .learnedWeights),
                      ("maximum", .maximum)])
    func lateFusion(name: String, combination: LateFusion.Combination) throws {
        var generator = RandomGenerator(seed: 0)
        let late = LateFusion(modalities: 3, classes: 4, combination: combination, generator: &generator)
        try check("fusion_late_\(name)", late, modalities: 3) { late.fuse($0) }
    }

    // MARK: CNN feature maps

    @Test func skipConcatenation() throws {
        var generator = RandomGenerator(seed: 0)
        let plain = SkipConcatenationFusion(shallowChannels: 2, deepChannels: 3, generator: &generator)
        try check("fusion_skip_concatenation", plain, modalities: 2) { plain.fuse($0) }
        let convolved = SkipConcatenationFusion(shallowChannels: 2, deepChannels: 3, outputChannels: 2, generator: &generator)
        try check("fusion_skip_concatenation_conv", convolved, modalities: 2) { convolved.fuse($0) }
    }

    @Test func residualAddition() throws {
        var generator = RandomGenerator(seed: 0)
        let fusion = ResidualAdditionFusion(channels: 2, otherChannels: 3, generator: &generator)
        try check("fusion_residual_addition", fusion, modalities: 2) { fusion.fuse($0) }
    }

    @Test func squeezeExcitation() throws {
        var generator = RandomGenerator(seed: 0)
        let fusion = SqueezeExcitationFusion(channels: [2, 3], reduction: 2, generator: &generator)
        try check("fusion_squeeze_excitation", fusion, modalities: 2) { fusion.fuse($0) }
    }

    @Test func globalPooling() throws {
        let fusion = GlobalPoolingFusion(channels: [2, 3, 1])
        try check("fusion_global_pooling", fusion, modalities: 3) { fusion.fuse($0) }
    }
}

/// `CoAttentionFusion`: shapes, the pooled concatenation of `CoAttentionLayer` outputs, keys and
/// gradients with respect to the inputs against finite differences.
@Suite("Co-attention fusion")
struct CoAttentionFusionTests {
    @Test(arguments: [1, 2])
    func shapesFormulaAndGradients(layerCount: Int) {
        var generator = RandomGenerator(seed: 120)
        let fusion = CoAttentionFusion(widthA: 4, widthB: 2, headCount: 2, layerCount: layerCount, feedForwardWidth: 3,
                                       generator: &generator)
        let a = random([2, 3, 4], seed: 121), b = random([2, 2, 2], seed: 122)
        let fused = fusion(a, b)
        #expect(fused.shape == [2, 6])
        #expect(fusion.outputWidth == 6)
        // The layers applied in turn, each stream mean-pooled over its tokens, then concatenated.
        var streams = (a: a, b: b)
        for layer in fusion.layers { streams = layer(streams.a, streams.b) }
        let expected = Tensor.concatenate([streams.a.mean(alongAxes: 1), streams.b.mean(alongAxes: 1)], alongAxis: 1)
        #expect(isClose(fused, expected, relative: 1e-5, absolute: 1e-6))
        let attended = fusion.attended(a, b)
        #expect(attended.a.shape == [2, 3, 4] && attended.b.shape == [2, 2, 2])
        // Different lengths per batch element are not needed: one token per stream works too.
        #expect(fusion(a.slice(0..<1, alongAxis: 1), b.slice(0..<1, alongAxis: 1)).shape == [2, 6])
        let keys = fusion.stateDict().keys
        #expect(keys.contains("layers.\(layerCount - 1).attention_b.k_proj_weight") && keys.contains("layers.0.ffn_a.linear1.weight")
                && keys.contains("layers.0.norm_b2.bias"))
        let mismatches = GradientCheck.check([a, b], relativeTolerance: 1e-2, absoluteTolerance: 2e-3) { fusion.fuse($0) }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }
}
