import FusionKit
import Testing

final class TwoTower: Module, UnaryLayer {
    let encoder: Sequential
    let heads: [Linear]
    let norm = LayerNorm(6)
    var optionalLayer: Linear?

    init(generator: inout RandomGenerator) {
        encoder = Sequential(Linear(4, 6, generator: &generator), GELU(), Dropout(0.5))
        heads = [Linear(6, 2, generator: &generator), Linear(6, 3, bias: false, generator: &generator)]
        optionalLayer = Linear(2, 2, generator: &generator)
        super.init()
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        let hidden = norm(encoder(input))
        return Tensor.concatenate(heads.map { $0(hidden) }, alongAxis: 1)
    }
}

@Suite("Modules, layers and initialisers")
struct ModuleTests {
    @Test func namesFollowPyTorch() {
        var generator = RandomGenerator(seed: 1)
        let model = TwoTower(generator: &generator)
        #expect(model.namedParameters().map(\.0) == [
            "encoder.0.weight", "encoder.0.bias", "heads.0.weight", "heads.0.bias", "heads.1.weight",
            "norm.weight", "norm.bias", "optionalLayer.weight", "optionalLayer.bias",
        ])
        #expect(model.parameterCount == 4 * 6 + 6 + 6 * 2 + 2 + 6 * 3 + 6 + 6 + 4 + 2)
        let batchNorm = BatchNorm1d(3)
        #expect(Set(batchNorm.stateDict().keys) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
    }

    @Test func trainEvalAndDropout() {
        var generator = RandomGenerator(seed: 2)
        let model = TwoTower(generator: &generator)
        let input = Tensor.randomNormal([8, 4], generator: &generator)
        #expect(model.isTraining)
        let a = model(input), b = model(input)
        #expect(a != b, "dropout differs between training calls")
        model.eval()
        #expect(!model.encoder.isTraining)
        #expect(model(input) == model(input), "evaluation is deterministic")
        let dropout = Dropout(0.25, seed: 3)
        let ones = Tensor.ones([10000])
        let dropped = dropout(ones)
        let kept = (dropped .> 0).mean().scalar
        #expect(abs(kept - 0.75) < 0.02)
        #expect(abs(dropped.mean().scalar - 1) < 0.03, "inverted dropout keeps the expectation")
    }

    @Test func freezingStopsGradients() {
        var generator = RandomGenerator(seed: 4)
        let model = TwoTower(generator: &generator)
        model.encoder.freeze()
        model.eval()
        model(Tensor.randomNormal([3, 4], generator: &generator)).sum().backward()
        #expect(model.encoder.parameters().allSatisfy { $0.gradient == nil })
        #expect(model.heads[0].weight.gradient != nil)
        #expect(model.trainableParameters().count == model.parameters().count - 2)
    }

    /// `Conv2d` keeps a Winograd layer's transformed weight between calls (`Parameter.derived`);
    /// every way of changing the weight must drop it, or the layer would compute with the old one.
    @Test("a kept transformed weight follows every change of the weight")
    func derivedValuesFollowTheWeight() throws {
        var generator = RandomGenerator(seed: 9)
        let layer = Conv2d(16, 16, kernelSize: 3, padding: 1, generator: &generator)
        let x = Tensor.randomNormal([1, 16, 6, 6], generator: &generator)
        func expectFresh(_ step: String) {
            let expected = x.conv2d(weight: layer.weight.value, bias: layer.bias?.value, padding: (1, 1))
            #expect(isClose(layer(x), expected, relative: 1e-5, absolute: 1e-5), "after \(step)")
        }
        expectFresh("the first call")
        expectFresh("a second call")
        layer.weight.update { $0 *= 2 }
        expectFresh("update")
        layer.weight.value = Tensor.randomNormal([16, 16, 3, 3], generator: &generator)
        expectFresh("assignment")
        try layer.loadStateDict(["weight": Tensor.randomNormal([16, 16, 3, 3], generator: &generator),
                                 "bias": Tensor.randomNormal([16], generator: &generator)])
        expectFresh("loading a state dict")
        let optimizer = SGD(layer.parameters(), learningRate: 0.5)
        layer(x).sum().backward()
        optimizer.step()
        expectFresh("an optimizer step")

        var made = 0
        let parameter = Parameter(Tensor([1, 2, 3]))
        for _ in 0..<3 { _ = parameter.derived("double") { made += 1; return $0 * 2 } }
        #expect(made == 1)
        parameter.update { $0 += 1 }
        #expect(parameter.derived("double") { made += 1; return $0 * 2 }.scalars == [4, 6, 8])
        #expect(made == 2)
    }

    @Test func stateDictErrors() throws {
        var generator = RandomGenerator(seed: 5)
        let layer = Linear(3, 2, generator: &generator)
        let state = layer.stateDict()
        #expect(throws: StateDictError.keyMismatch(missing: ["bias"], unexpected: [])) {
            try layer.loadStateDict(["weight": state["weight"]!])
        }
        #expect(throws: StateDictError.keyMismatch(missing: [], unexpected: ["extra"])) {
            try layer.loadStateDict(state.merging(["extra": Tensor(1)]) { a, _ in a })
        }
        #expect(throws: StateDictError.shapeMismatch(key: "weight", expected: [2, 3], found: [3, 2])) {
            try layer.loadStateDict(["weight": Tensor.zeros([3, 2]), "bias": state["bias"]!])
        }
        #expect(try layer.loadStateDict(state).isExactMatch)
        let report = try layer.loadStateDict(["weight": Tensor.zeros([2, 3])], strict: false)
        #expect(report == StateDictLoadReport(missingKeys: ["bias"], unexpectedKeys: []))
        #expect(layer.weight.value == Tensor.zeros([2, 3]) && layer.bias!.value == state["bias"]!)
    }

    @Test("missing and unexpected keys are reported together, strict or not, and strict changes nothing")
    func stateDictReportsBothKinds() throws {
        var generator = RandomGenerator(seed: 5)
        let model = Sequential(Linear(3, 4, generator: &generator), ReLU(), Linear(4, 2, generator: &generator))
        let before = model.stateDict()
        // A PyTorch file with a renamed first layer and an extra buffer.
        var state = before
        state["first.weight"] = state.removeValue(forKey: "0.weight")
        state["first.bias"] = state.removeValue(forKey: "0.bias")
        state["2.weight"] = Tensor.zeros([2, 4])
        state["position_ids"] = Tensor([0, 1, 2])
        let error = #expect(throws: StateDictError.self) { try model.loadStateDict(state) }
        #expect(error == .keyMismatch(missing: ["0.bias", "0.weight"], unexpected: ["first.bias", "first.weight", "position_ids"]))
        #expect(error?.description.contains("missing keys: 0.bias, 0.weight; unexpected keys: first.bias") == true)
        #expect(model.stateDict() == before)

        let report = try model.loadStateDict(state, strict: false)
        #expect(report.missingKeys == ["0.bias", "0.weight"])
        #expect(report.unexpectedKeys == ["first.bias", "first.weight", "position_ids"])
        #expect(!report.isExactMatch)
        #expect(model.stateDict()["2.weight"] == Tensor.zeros([2, 4]))
        #expect(model.stateDict()["0.weight"] == before["0.weight"])
    }

    @Test func layerGradients() {
        var generator = RandomGenerator(seed: 6)
        let linear = Linear(4, 3, generator: &generator)
        let x = Tensor.randomNormal([2, 5, 4], generator: &generator)
        let w = linear.weight.value, b = linear.bias!.value
        let check = { (inputs: [Tensor], f: ([Tensor]) -> Tensor) -> Bool in GradientCheck.check(inputs, f).isEmpty }
        #expect(check([x, w, b]) { $0[0].affine(weight: $0[1], bias: $0[2]) })
        #expect(check([x, w]) { $0[0].affine(weight: $0[1], bias: nil) })
        #expect(isClose(linear(x), x.matmul(w, transposeB: true) + b))
        // The layers' own parameters, moved in place by the gradient checker.
        expectGradients([x], parameters: linear.parameters()) { linear($0[0]) }
        let norm = LayerNorm([5, 4])
        norm.weight!.update { $0 = Tensor.randomNormal([5, 4], generator: &generator) }
        expectGradients([x], parameters: norm.parameters()) { norm($0[0]) }
        #expect(check([x]) { norm($0[0]) * Tensor.arange(4) })
        let batchNorm = BatchNorm1d(5)
        #expect(check([x]) { batchNorm($0[0]) * Tensor.arange(4) })
        let labels = Tensor([0, 2, 1, 1, 0])
        #expect(check([Tensor.randomNormal([5, 3], generator: &generator)]) {
            crossEntropyLoss(logits: $0[0], targets: labels, labelSmoothing: 0.1, ignoreIndex: 1)
        })
        let binary = Tensor([1, 0, 1, 0, 0, 1], shape: [2, 3])
        #expect(check([Tensor.randomNormal([2, 3], generator: &generator)]) {
            binaryCrossEntropyWithLogitsLoss(logits: $0[0], targets: binary, positiveWeight: Tensor([1, 2, 0.5]))
        })
        #expect(check([Tensor.randomNormal([2, 3], generator: &generator)]) { meanSquaredErrorLoss(predictions: $0[0], targets: binary) })
        #expect(check([Tensor.randomNormal([2, 3], generator: &generator) * 2]) { l1Loss(predictions: $0[0], targets: binary) })
        // Embedding: the padding row gets no gradient, repeated ids accumulate.
        let embedding = Embedding(5, 3, paddingIndex: 0, generator: &generator)
        embedding(Tensor([0, 2, 2, 4], shape: [2, 2])).sum().backward()
        let gradient = embedding.weight.gradient!
        #expect(gradient.slice(0..<1, alongAxis: 0) == Tensor.zeros([1, 3]))
        #expect(gradient.slice(2..<3, alongAxis: 0) == Tensor.full([1, 3], value: 2))
        #expect(gradient.slice(1..<2, alongAxis: 0) == Tensor.zeros([1, 3]))
    }

    /// Products large enough that backward runs dA and dB side by side on one BLAS thread each.
    @Test func largeBackwardProductsMatchTheirFormulas() {
        var generator = RandomGenerator(seed: 9)
        let (x, w, _, _) = expectAffineGradients(leading: [2, 64], inputs: 128, outputs: 96, generator: &generator,
                                                 parameterAbsolute: 1e-4)
        let a = Tensor.randomNormal([3, 128, 96], generator: &generator).requiringGradient()
        let c = Tensor.randomNormal([3, 96, 128], generator: &generator).requiringGradient()
        let upstream = Tensor.randomNormal([3, 128, 128], generator: &generator)
        a.matmul(c).backward(upstream)
        #expect(isClose(a.gradient!, upstream.matmul(c.detached(), transposeB: true), relative: 1e-4, absolute: 1e-4))
        #expect(isClose(c.gradient!, a.detached().matmul(upstream, transposeA: true), relative: 1e-4, absolute: 1e-4))
        #expect(!x.gradient!.requiresGradient && !w.gradient!.requiresGradient)
    }

    /// Many rows and few features: each core forms the weight and bias gradients of its rows.
    /// 37 outputs leave a partial group of four in the bias sums.
    @Test func tallAffineGradientsMatchTheirFormulas() {
        var generator = RandomGenerator(seed: 10)
        let (x, w, b, g) = expectAffineGradients(leading: [9, 1280], inputs: 24, outputs: 37, generator: &generator,
                                                 parameterAbsolute: 1e-3)
        let rows = g.reshaped([11520, 37])
        // Only the bias learns: the weight's gradient is not formed.
        let frozen = w.detached(), bias = b.detached().requiringGradient()
        x.detached().affine(weight: frozen, bias: bias).backward(g)
        #expect(isClose(bias.gradient!, rows.sum(alongAxes: 0), relative: 1e-4, absolute: 1e-3))
    }

    @Test func residualAddsItsInput() {
        var generator = RandomGenerator(seed: 7)
        let block = Residual(Linear(3, 3, generator: &generator))
        let x = Tensor.randomNormal([2, 3], generator: &generator)
        #expect(isClose(block(x), x + (block.block as! Linear)(x)))
        #expect(block.namedParameters().map(\.0) == ["block.weight", "block.bias"])
    }

    @Test func initialisersHaveTheirVariance() throws {
        var generator = RandomGenerator(seed: 8)
        let shape = [200, 300]
        func std(_ t: Tensor) -> Float { t.variance(alongAxes: [0, 1]).scalar.squareRoot() }
        #expect(abs(std(Initializers.xavierUniform(shape, generator: &generator)) - (2.0 / 500).squareRoot()) < 0.003)
        #expect(abs(std(Initializers.xavierNormal(shape, generator: &generator)) - (2.0 / 500).squareRoot()) < 0.003)
        #expect(abs(std(Initializers.kaimingUniform(shape, nonlinearity: .relu, generator: &generator)) - (2.0 / 300).squareRoot()) < 0.003)
        #expect(abs(std(Initializers.kaimingNormal(shape, mode: .fanOut, generator: &generator)) - (2.0 / 200).squareRoot()) < 0.003)
        for shape in [[6, 4], [4, 6], [3, 2, 2]] {
            let q = try Initializers.orthogonal(shape, gain: 2, generator: &generator)
            let flat = q.reshaped([shape[0], -1])
            let rows = flat.shape[0], columns = flat.shape[1]
            let gram = rows >= columns ? flat.matmul(flat, transposeA: true) : flat.matmul(flat, transposeB: true)
            #expect(isClose(gram, Tensor.eye(min(rows, columns)) * 4, relative: 0, absolute: 1e-4))
        }
        #expect(Initializers.fans([8, 3, 5, 5]) == (75, 200))
    }
}

/// One of every public layer and fusion strategy that takes a generator, made without one.
private func everyLayerFromTheGlobalGenerator() -> [Module] {
    [
        Linear(4, 3), Bilinear(4, 3, 2), Embedding(10, 4, paddingIndex: 0), Conv2d(3, 8, kernelSize: 3),
        Conv2d(3, 8, kernelSize: (3, 1)), GRU(inputSize: 4, hiddenSize: 3), LSTM(inputSize: 4, hiddenSize: 3),
        MultiheadAttention(embedDimension: 8, headCount: 2),
        TransformerEncoderLayer(width: 8, headCount: 2, feedForwardWidth: 16),
        TransformerDecoderLayer(width: 8, headCount: 2, feedForwardWidth: 16),
        CoAttentionLayer(widthA: 8, widthB: 6, headCount: 2, feedForwardWidth: 16),
        NonLocalBlock(channels: 4), LearnedPositionalEmbedding(maximumLength: 6, width: 4),
        ModalityEmbedding(modalities: 2, width: 4), SqueezeExcitation(channels: 8, reduction: 4),
        SqueezeExcitation(channels: 8, hiddenChannels: 3),
        ConcatenationFusion(widths: [3, 4], hiddenWidth: 5, outputWidth: 2), ProjectedFusion(widths: [3, 4], width: 5),
        WeightedSumFusion(widths: [3, 4], width: 5), ModalityAttentionFusion(widths: [3, 4], width: 5),
        DeepSetFusion(widths: [3, 4], width: 5), GatedMultimodalUnit(widths: [3, 4], width: 5),
        SkipConcatenationFusion(shallowChannels: 2, deepChannels: 3, outputChannels: 4),
        ResidualAdditionFusion(channels: 3, otherChannels: 2), SqueezeExcitationFusion(channels: [4, 4], reduction: 2),
        FeaturePyramidFusion(channels: [2, 3], width: 4), TensorFusion(widths: [2, 3], outputWidth: 4),
        LowRankFusion(widths: [2, 3], rank: 2, outputWidth: 4),
        MUTANFusion(widths: [3, 4], projectedWidths: (5, 5), rank: 2, joinedWidth: 6, outputWidth: 2),
        BLOCKFusion(widths: [3, 4], projectedWidths: (6, 6), chunks: 2, rank: 2, chunkWidth: 3, outputWidth: 2),
        BilinearFusion(widths: [3, 4], projectedWidths: (2, 2), outputWidth: 3),
        MLBFusion(widths: [3, 4], rank: 5, outputWidth: 2), MFBFusion(widths: [3, 4], factor: 2, outputWidth: 3),
        MFHFusion(widths: [3, 4], factor: 2, outputWidth: 3), CompactBilinearPooling(widths: [3, 4], dimension: 16),
        MultiplicativeInteraction(widths: [3, 4]), FiLM(channels: 4, conditionWidth: 3),
        NonLocalGateFusion(visualWidth: 4, otherWidth: 3), RelationNetworkFusion(objectWidth: 4, questionWidth: 3,
                                                                                 gWidths: [8], fWidths: [2]),
        StackedAttentionFusion(width: 4, attentionWidth: 3), CrossModalAttentionFusion(queryWidth: 4, keyWidth: 4),
        CrossModalTransformerBlock(width: 4, headCount: 2, feedForwardWidth: 8),
        CrossModalTransformerFusion(widths: [3, 4], width: 4, headCount: 2),
        EarlyFusionTransformer(widths: [3, 4], width: 4, headCount: 2),
        CoAttentionFusion(widthA: 4, widthB: 4, headCount: 2), LateFusion(modalities: 2, classes: 3, combination: .stacking),
    ]
}

@Suite("Layers without a generator")
struct GlobalGeneratorLayerTests {
    /// The global generator is shared by every test running in parallel, so the check runs in a
    /// child process: the same seed gives the same weights, and successive layers differ.
    @Test("every layer can be made without generator:, reproducibly from Random.seed")
    func layersFromTheGlobalGenerator() async {
        await #expect(processExitsWith: .success) {
            Random.seed(7)
            let first = everyLayerFromTheGlobalGenerator()
            Random.seed(7)
            let second = everyLayerFromTheGlobalGenerator()
            for (a, b) in zip(first, second) {
                precondition(!a.stateDict().isEmpty, "\(type(of: a)) has no state")
                precondition(a.stateDict() == b.stateDict(), "\(type(of: a)) differs under the same seed")
            }
            precondition(Linear(4, 3).weight.value != Linear(4, 3).weight.value, "two layers drew the same weights")
        }
    }
}

/// Backward of `x.affine(weight: w, bias: b)` on random x [leading…, inputs], w [outputs, inputs],
/// b [outputs] and upstream g (drawn in that order) gives dx = g·w, dw = gᵀ·x and db = Σ g over the
/// rows, dx within 1e-4 and the parameters' within `parameterAbsolute` (relative 1e-4 for all three).
private func expectAffineGradients(leading: [Int], inputs: Int, outputs: Int, generator: inout RandomGenerator,
                                   parameterAbsolute: Float, sourceLocation: SourceLocation = #_sourceLocation)
    -> (x: Tensor, w: Tensor, b: Tensor, g: Tensor) {
    let x = Tensor.randomNormal(leading + [inputs], generator: &generator).requiringGradient()
    let w = Tensor.randomNormal([outputs, inputs], generator: &generator).requiringGradient()
    let b = Tensor.randomNormal([outputs], generator: &generator).requiringGradient()
    let g = Tensor.randomNormal(leading + [outputs], generator: &generator)
    x.affine(weight: w, bias: b).backward(g)
    let count = leading.reduce(1, *)
    let rows = g.reshaped([count, outputs]), flatInputs = x.detached().reshaped([count, inputs])
    #expect(isClose(x.gradient!, g.matmul(w.detached()), relative: 1e-4, absolute: 1e-4), sourceLocation: sourceLocation)
    #expect(isClose(w.gradient!, rows.matmul(flatInputs, transposeA: true), relative: 1e-4, absolute: parameterAbsolute),
            sourceLocation: sourceLocation)
    #expect(isClose(b.gradient!, rows.sum(alongAxes: 0), relative: 1e-4, absolute: parameterAbsolute), sourceLocation: sourceLocation)
    return (x, w, b, g)
}
