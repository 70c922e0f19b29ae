import FusionKit
import Testing

/// Structured fusion strategies (attention, relation networks, transformers, late fusion and
/// CNN feature-map fusions): shapes with two and three modalities, defining formulas, and
/// gradients with respect to the inputs against finite differences.
@Suite("Structured fusion strategies")
struct StructuredFusionTests {
    // MARK: attention-based

    @Test func crossModalAttention() {
        var generator = RandomGenerator(seed: 70)
        let fusion = CrossModalAttentionFusion(queryWidth: 4, keyWidth: 3, headCount: 2, generator: &generator)
        let queries = random([2, 3, 4], seed: 71), keys = random([2, 2, 3], seed: 72)
        #expect(fusion(queries, keys).shape == [2, 4])
        #expect(fusion.lastWeights?.shape == [2, 3, 2])
        // Mean over the queries of LN(x + MHA(x, y, y)).
        let attended = fusion.attention(query: queries, key: keys, value: keys).output
        #expect(isClose(fusion(queries, keys), fusion.norm(queries + attended).mean(alongAxes: 1), relative: 1e-5, absolute: 1e-6))
        expectGradients([queries, keys]) { fusion.fuse($0) }
        // A padded key changes nothing when masked.
        let mask = Tensor([0, 0, 0, 1], shape: [2, 2])
        let padded = Tensor.concatenate([keys, random([2, 1, 3], seed: 73)], alongAxis: 1)
        let withPadding = fusion.fuse(queries: queries, keys: padded, keyPaddingMask: Tensor([0, 0, 1, 0, 0, 1], shape: [2, 3]))
        #expect(isClose(withPadding, fusion(queries, keys), relative: 1e-5, absolute: 1e-6))
        fusion.keyPaddingMask = mask
        #expect(fusion(queries, keys).shape == [2, 4])
        #expect(Set(fusion.stateDict().keys) == ["attention.q_proj_weight", "attention.k_proj_weight", "attention.v_proj_weight",
                                                  "attention.in_proj_bias", "attention.out_proj.weight", "attention.out_proj.bias",
                                                  "norm.weight", "norm.bias"])
    }

    @Test func stackedAttention() {
        var generator = RandomGenerator(seed: 74)
        let san = StackedAttentionFusion(width: 3, attentionWidth: 4, hopCount: 2, generator: &generator)
        let u = random([2, 3], seed: 75), regions = random([2, 4, 3], seed: 76)
        #expect(san(u, regions).shape == [2, 3])
        #expect(isClose(san.lastWeights!.sum(alongAxes: 1), Tensor.ones([2])))
        // One hop by hand.
        let one = StackedAttentionFusion(width: 3, attentionWidth: 4, hopCount: 1, generator: &generator)
        let hop = one.hops[0]
        let h = (hop.image(regions) + hop.question(u).expandingShape(at: 1)).tanh()
        let p = hop.score(h).softmax(alongAxis: 1)
        #expect(isClose(one(u, regions), (p * regions).sum(alongAxes: 1) + u, relative: 1e-5, absolute: 1e-6))
        expectGradients([u, regions]) { san.fuse($0) }
        #expect(san.stateDict().keys.contains("hops.1.question.bias"))
    }

    @Test func relationNetworkMatchesLoopOverPairs() {
        var generator = RandomGenerator(seed: 77)
        let rn = RelationNetworkFusion(objectWidth: 3, questionWidth: 2, gWidths: [5, 4], fWidths: [4, 3], generator: &generator)
        let objects = random([2, 3, 3], seed: 78), question = random([2, 2], seed: 79)
        let fused = rn(objects, question)
        #expect(fused.shape == [2, 3])
        // g_θ on every concatenated pair [o_i; o_j; q], one at a time, summed.
        let firstWeight = Tensor.concatenate([rn.gFirstObject.weight.value, rn.gSecondObject.weight.value,
                                              rn.gQuestion.weight.value], alongAxis: 1)
        var total: Tensor?
        for i in 0..<3 {
            for j in 0..<3 {
                let oi = objects.slice(i..<(i + 1), alongAxis: 1).squeezingShape(at: [1])
                let oj = objects.slice(j..<(j + 1), alongAxis: 1).squeezingShape(at: [1])
                let pair = Tensor.concatenate([oi, oj, question], alongAxis: 1)
                let g = rn.gRest(pair.affine(weight: firstWeight, bias: rn.gQuestion.bias!.value).relu())
                total = total.map { $0 + g } ?? g
            }
        }
        #expect(isClose(fused, rn.f(total!), relative: 1e-4, absolute: 1e-5))
        expectGradients([objects, question]) { rn.fuse($0) }
        #expect(Set(rn.stateDict().keys) == ["g_first_object.weight", "g_second_object.weight", "g_question.weight", "g_question.bias",
                                             "g_rest.0.weight", "g_rest.0.bias", "f.0.weight", "f.0.bias", "f.2.weight", "f.2.bias"])
    }

    @Test(arguments: [2, 3])
    func earlyFusionTransformer(modalities: Int) {
        var generator = RandomGenerator(seed: 80)
        let widths = Array([3, 2, 4].prefix(modalities))
        let inputs = widths.enumerated().map { random([1, 2 + $0.offset % 2, $0.element], seed: UInt64(81 + $0.offset)) }
        for pooling in [EarlyFusionTransformer.Pooling.mean, .classToken] {
            let fusion = EarlyFusionTransformer(widths: widths, width: 4, headCount: 2, feedForwardWidth: 6, pooling: pooling,
                                                generator: &generator)
            #expect(fusion.fuse(inputs).shape == [1, 4])
            expectGradients(inputs) { fusion.fuse($0) }
        }
    }

    @Test(arguments: [2, 3])
    func crossModalTransformer(modalities: Int) {
        var generator = RandomGenerator(seed: 84)
        let widths = Array([3, 2, 4].prefix(modalities))
        let inputs = widths.enumerated().map { random([1, 2 + $0.offset % 2, $0.element], seed: UInt64(85 + $0.offset)) }
        let fusion = CrossModalTransformerFusion(widths: widths, width: 4, headCount: 2, feedForwardWidth: 5, generator: &generator)
        #expect(fusion.fuse(inputs).shape == [1, modalities * (modalities - 1) * 4])
        #expect(fusion.outputWidth == modalities * (modalities - 1) * 4)
        expectGradients(inputs) { fusion.fuse($0) }
    }

    @Test(arguments: [NonLocalGateFusion.Gate.sigmoid, .softmax])
    func nonLocalGate(gate: NonLocalGateFusion.Gate) {
        var generator = RandomGenerator(seed: 88)
        let fusion = NonLocalGateFusion(visualWidth: 4, otherWidth: 3, innerWidth: 2, gate: gate, generator: &generator)
        let visual = random([2, 3, 4], seed: 89), audio = random([2, 3], seed: 90), sequence = random([2, 2, 3], seed: 91)
        #expect(fusion(visual, audio).shape == [2, 4])
        #expect(fusion(visual, sequence).shape == [2, 4])
        #expect(fusion.gated(visual, sequence).shape == [2, 3, 4])
        expectGradients([visual, audio]) { fusion.fuse($0) }
        expectGradients([visual, sequence]) { fusion.fuse($0) }
        if gate == .softmax {
            // One key: the weight is 1, so Z = V + W_z g(a) + b_z.
            let expected = visual + fusion.output(fusion.g(audio)).expandingShape(at: 1)
            #expect(isClose(fusion.gated(visual, audio), expected, relative: 1e-5, absolute: 1e-6))
        }
    }

    // MARK: decision level

    @Test(arguments: [2, 3])
    func lateFusion(modalities: Int) {
        var generator = RandomGenerator(seed: 92)
        let predictions = (0..<modalities).map { random([2, 3], seed: UInt64(93 + $0)) }
        let average = LateFusion(modalities: modalities, classes: 3, combination: .average, generator: &generator)
        let mean = predictions.dropFirst().reduce(predictions[0], +) / Float(modalities)
        #expect(isClose(average.fuse(predictions), mean))
        let maximum = LateFusion(modalities: modalities, classes: 3, combination: .maximum, generator: &generator)
        #expect(maximum.fuse(predictions) == predictions.dropFirst().reduce(predictions[0]) { Tensor.maximum($0, $1) })
        let learned = LateFusion(modalities: modalities, classes: 3, combination: .learnedWeights, generator: &generator)
        #expect(isClose(learned.fuse(predictions), mean))   // zero weights: equal shares
        let stacking = LateFusion(modalities: modalities, classes: 3, combination: .stacking, generator: &generator)
        #expect(isClose(stacking.fuse(predictions), stacking.stacking!(Tensor.concatenate(predictions, alongAxis: 1))))
        #expect(Set(stacking.stateDict().keys) == ["stacking.weight", "stacking.bias"])
        #expect(Set(learned.stateDict().keys) == ["weights"])
        for fusion in [average, learned, stacking] {
            #expect(fusion.fuse(predictions).shape == [2, 3])
            expectGradients(predictions) { fusion.fuse($0) }
        }
    }

    // MARK: CNN feature maps

    @Test func skipConcatenation() {
        var generator = RandomGenerator(seed: 96)
        let shallow = random([1, 2, 4, 4], seed: 97), deep = random([1, 3, 2, 2], seed: 98)
        let plain = SkipConcatenationFusion(shallowChannels: 2, deepChannels: 3, generator: &generator)
        #expect(plain(shallow, deep) == Tensor.concatenate([shallow, deep.upsample(scale: (2, 2))], alongAxis: 1))
        let convolved = SkipConcatenationFusion(shallowChannels: 2, deepChannels: 3, outputChannels: 2, generator: &generator)
        #expect(convolved(shallow, deep).shape == [1, 2, 4, 4])
        #expect(plain(shallow, random([1, 3, 4, 4], seed: 99)).shape == [1, 5, 4, 4])
        expectGradients([shallow, deep]) { plain.fuse($0) }
        expectGradients([shallow.slice(0..<3, alongAxis: 2), deep.slice(0..<1, alongAxis: 3)]) { convolved.fuse($0) }
    }

    @Test func residualAddition() {
        var generator = RandomGenerator(seed: 100)
        let x = random([1, 2, 3, 3], seed: 101), y = random([1, 2, 3, 3], seed: 102), z = random([1, 3, 3, 3], seed: 103)
        let identity = ResidualAdditionFusion(channels: 2, otherChannels: 2, generator: &generator)
        #expect(identity(x, y) == x + y)
        #expect(identity.stateDict().isEmpty)
        let projected = ResidualAdditionFusion(channels: 2, otherChannels: 3, generator: &generator)
        #expect(isClose(projected(x, z), x + z.conv2d(weight: projected.projection!.weight.value, bias: nil)))
        let block = Conv2d(2, 2, kernelSize: 3, padding: 1, generator: &generator)
        let residual = ResidualAdditionFusion(channels: 2, residual: block)
        #expect(isClose(residual(x), x + block(x)))
        expectGradients([x, z]) { projected.fuse($0) }
        expectGradients([x]) { residual.fuse($0) }
    }

    @Test func squeezeExcitation() {
        var generator = RandomGenerator(seed: 104)
        let a = random([2, 2, 2, 2], seed: 105), b = random([2, 3, 2, 2], seed: 106)
        let fusion = SqueezeExcitationFusion(channels: [2, 3], reduction: 2, generator: &generator)
        let joined = Tensor.concatenate([a, b], alongAxis: 1)
        #expect(isClose(fusion(a, b), fusion.excitation(joined)))
        #expect(fusion(a, b).shape == [2, 5, 2, 2])
        expectGradients([a, b]) { fusion.fuse($0) }
    }

    @Test func globalPooling() {
        let a = random([2, 2, 3, 3], seed: 107), b = random([2, 3, 2, 2], seed: 108), c = random([2, 1, 1, 2], seed: 109)
        let fusion = GlobalPoolingFusion(channels: [2, 3, 1])
        let fused = fusion(a, b, c)
        #expect(fused.shape == [2, 6])
        // Element (n, 2) is the mean of b's first channel.
        let expected = b.slice(0..<1, alongAxis: 1).sum(alongAxes: [1, 2, 3]) / 4
        #expect(isClose(fused.slice(2..<3, alongAxis: 1).squeezingShape(at: [1]), expected))
        expectGradients([a, b, c]) { fusion.fuse($0) }
    }

    @Test func featurePyramid() {
        var generator = RandomGenerator(seed: 110)
        let c0 = random([1, 2, 4, 4], seed: 111), c1 = random([1, 3, 2, 2], seed: 112), c2 = random([1, 4, 1, 1], seed: 113)
        let fpn = FeaturePyramidFusion(channels: [2, 3, 4], width: 3, generator: &generator)
        let levels = fpn.pyramid([c0, c1, c2])
        #expect(levels.map(\.shape) == [[1, 3, 4, 4], [1, 3, 2, 2], [1, 3, 1, 1]])
        #expect(fpn(c0, c1, c2) == levels[0])
        // Without output convolutions: the top-down sum by hand.
        let plain = FeaturePyramidFusion(channels: [2, 3, 4], width: 3, outputConvolutions: false, generator: &generator)
        let p2 = plain.lateral[2](c2)
        let p1 = plain.lateral[1](c1) + p2.upsample(scale: (2, 2))
        let p0 = plain.lateral[0](c0) + p1.upsample(scale: (2, 2))
        #expect(isClose(plain(c0, c1, c2), p0))
        // Sizes that are not exact doubles (5 → 3) resize to the finer level.
        #expect(plain.pyramid([random([1, 2, 5, 5], seed: 114), random([1, 3, 3, 3], seed: 115), c2])[0].shape == [1, 3, 5, 5])
        expectGradients([c0.slice(0..<2, alongAxis: 2), c1.slice(0..<1, alongAxis: 2), c2]) { fpn.fuse($0) }
        #expect(fpn.stateDict().keys.contains("output.2.weight") && fpn.stateDict().keys.contains("lateral.0.bias"))
    }
}

/// Relation network, late-fusion stacking and the feature pyramid against PyTorch
/// (Tests/Fixtures/make_fusion_fixtures_structured.py): outputs, input and parameter gradients.
@Suite("Structured fusion parity with PyTorch")
struct StructuredFusionParityTests {
    let parity = ParityTests()

    func check(_ name: String, _ module: Module, modalities: Int, strict: Bool = true, _ forward: ([Tensor]) -> Tensor) throws {
        let f = try ParityTests.load(name)
        try module.loadStateDict(parity.parameterState(f), strict: strict)
        let inputs = (0..<modalities).map { f[$0 == 0 ? "input" : "input\($0 + 1)"].requiringGradient() }
        let output = forward(inputs)
        parity.expectClose(output, f["output"], "\(name) output", relative: 1e-4, absolute: 1e-5)
        output.backward(f["grad_output"])
        for (index, input) in inputs.enumerated() {
            let key = index == 0 ? "grad_input" : "grad_input\(index + 1)"
            parity.expectClose(input.gradient, f[key], "\(name) \(key)", relative: 1e-4, absolute: 1e-5)
        }
        for (key, parameter) in module.namedParameters() where f.tensors["grad.\(key)"] != nil {
            parity.expectClose(parameter.gradient, f["grad.\(key)"], "\(name) gradient of \(key)", relative: 1e-4, absolute: 1e-5)
        }
    }

    @Test func relationNetwork() throws {
        var generator = RandomGenerator(seed: 0)
        let rn = RelationNetworkFusion(objectWidth: 3, questionWidth: 2, gWidths: [5, 4], fWidths: [4, 3], generator: &generator)
        try check("fusion_relation_network", rn, modalities: 2) { rn.fuse($0) }
    }

    @Test func lateStacking() throws {
        var generator = RandomGenerator(seed: 0)
        let late = LateFusion(modalities: 3, classes: 4, combination: .stacking, generator: &generator)
        try check("fusion_late_stacking", late, modalities: 3) { late.fuse($0) }
    }

    @Test func featurePyramid() throws {
        var generator = RandomGenerator(seed: 0)
        let fpn = FeaturePyramidFusion(channels: [2, 3, 4], width: 3, generator: &generator)
        try check("fusion_feature_pyramid", fpn, modalities: 3, strict: false) { fpn.fuse($0) }
    }
}
