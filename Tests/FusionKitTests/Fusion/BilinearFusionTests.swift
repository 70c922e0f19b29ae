import FusionKit
import Testing

/// Bilinear and tensor fusions (Tucker, MLB, MFB, MFH, MUTAN, BLOCK, TFN, LMF, multiplicative
/// interactions): shapes, defining formulas, gradients against finite differences, and parity with
/// the PyTorch fixtures of Tests/Fixtures/make_fusion_fixtures_bilinear.py.
@Suite("Bilinear fusion strategies")
struct BilinearFusionTests {
    static let widths = [5, 3, 4]
    func inputs(_ count: Int) -> [Tensor] { (0..<count).map { random([2, Self.widths[$0]], seed: UInt64(80 + $0)) } }

    /// Strategies with their expected output width. MFB/MFH get a large ε in the signed square
    /// root so finite differences stay smooth near a pooled value of 0.
    func strategies(generator: inout RandomGenerator) -> [(String, any FusionStrategy, Int)] {
        let widths = Array(Self.widths.prefix(2))
        return [
            ("Tucker", BilinearFusion(widths: widths, projectedWidths: (3, 2), outputWidth: 4, generator: &generator), 4),
            ("MLB", MLBFusion(widths: widths, rank: 6, outputWidth: 4, generator: &generator), 4),
            ("MFB", MFBFusion(widths: widths, factor: 3, outputWidth: 4, sqrtEpsilon: 1e-2, generator: &generator), 4),
            ("MFH", MFHFusion(widths: widths, order: 3, factor: 2, outputWidth: 3, sqrtEpsilon: 1e-2, generator: &generator), 9),
            ("MUTAN", MUTANFusion(widths: widths, projectedWidths: (4, 3), rank: 2, joinedWidth: 3, outputWidth: 4, generator: &generator), 4),
            ("BLOCK", BLOCKFusion(widths: widths, projectedWidths: (4, 6), chunks: 2, rank: 2, chunkWidth: 3, outputWidth: 4, generator: &generator), 4),
            ("TFN", TensorFusion(widths: widths, outputWidth: 4, generator: &generator), 4),
            ("LMF", LowRankFusion(widths: widths, rank: 3, outputWidth: 4, generator: &generator), 4),
            ("MI matrix", MultiplicativeInteraction(widths: widths, form: .matrix, outputWidth: 4, generator: &generator), 4),
            ("MI vector", MultiplicativeInteraction(widths: widths, form: .vector, generator: &generator), 5),
            ("MI scalar", MultiplicativeInteraction(widths: widths, form: .scalar, generator: &generator), 5),
        ]
    }

    @Test func shapesAndGradients() {
        var generator = RandomGenerator(seed: 81)
        for (name, strategy, width) in strategies(generator: &generator) {
            let fused = strategy.fuse(inputs(2))
            #expect(fused.shape == [2, width], "\(name): \(fused.shape)")
            expectGradients(inputs(2)) { strategy.fuse($0) }
        }
    }

    @Test func threeModalities() {
        var generator = RandomGenerator(seed: 82)
        let strategies: [any FusionStrategy] = [
            TensorFusion(widths: Self.widths, outputWidth: 4, generator: &generator),
            LowRankFusion(widths: Self.widths, rank: 3, outputWidth: 4, generator: &generator),
        ]
        for strategy in strategies {
            #expect(strategy.fuse(inputs(3)).shape == [2, 4])
            expectGradients(inputs(3)) { strategy.fuse($0) }
        }
    }

    @Test func formulas() {
        var generator = RandomGenerator(seed: 83)
        let x = inputs(2)
        // MLB: P(tanh(Ux) ⊙ tanh(Vy)).
        let mlb = MLBFusion(widths: [5, 3], rank: 6, outputWidth: 4, generator: &generator)
        #expect(isClose(mlb(x[0], x[1]), mlb.output(mlb.projections[0](x[0]).tanh() * mlb.projections[1](x[1]).tanh()),
                        relative: 1e-5, absolute: 1e-6))

        // MFB, element by element: sum-pool windows of k, signed sqrt, L2 normalisation.
        let mfb = MFBFusion(widths: [5, 3], factor: 3, outputWidth: 4, generator: &generator)
        let joint = (mfb.projections[0](x[0]) * mfb.projections[1](x[1])).scalars
        var expected: [Float] = []
        for b in 0..<2 {
            let pooled = (0..<4).map { j in (0..<3).reduce(Float(0)) { $0 + joint[b * 12 + j * 3 + $1] } }
            let powered = pooled.map { ($0 < 0 ? -1 : 1) * ($0.magnitude + 1e-8).squareRoot() }
            let norm = (powered.reduce(0) { $0 + $1 * $1 } + 1e-12).squareRoot()
            expected += powered.map { $0 / norm }
        }
        let fused = mfb(x[0], x[1])
        #expect(isClose(fused, Tensor(expected, shape: [2, 4]), relative: 1e-5, absolute: 1e-6))
        #expect(isClose(fused.square().sum(alongAxes: 1), Tensor.ones([2]), relative: 1e-5, absolute: 1e-6))

        // TFN: W vec([1; x] ⊗ [1; y]) + b, [1; x] slowest.
        let tfn = TensorFusion(widths: [5, 3], outputWidth: 4, generator: &generator)
        var outer: [Float] = []
        for b in 0..<2 {
            let a = [1] + x[0].scalars[(b * 5)..<(b * 5 + 5)], c = [1] + x[1].scalars[(b * 3)..<(b * 3 + 3)]
            for i in a { for j in c { outer.append(i * j) } }
        }
        #expect(isClose(tfn(x[0], x[1]), tfn.output(Tensor(outer, shape: [2, 24])), relative: 1e-5, absolute: 1e-6))

        // LMF equals TFN with the rank-r weight tensor W = Σ_i w_i W_x^(i) ⊗ W_y^(i).
        let lmf = LowRankFusion(widths: [5, 3], rank: 3, outputWidth: 4, generator: &generator)
        let fx = lmf.factors[0].value.scalars, fy = lmf.factors[1].value.scalars, w = lmf.rankWeights.value.scalars
        var lmfExpected: [Float] = []
        for b in 0..<2 {
            let a = [1] + x[0].scalars[(b * 5)..<(b * 5 + 5)], c = [1] + x[1].scalars[(b * 3)..<(b * 3 + 3)]
            for o in 0..<4 {
                var total: Float = 0
                for r in 0..<3 {
                    let left = (0..<6).reduce(Float(0)) { $0 + a[$1] * fx[(r * 6 + $1) * 4 + o] }
                    let right = (0..<4).reduce(Float(0)) { $0 + c[$1] * fy[(r * 4 + $1) * 4 + o] }
                    total += w[r] * left * right
                }
                lmfExpected.append(total)
            }
        }
        #expect(isClose(lmf(x[0], x[1]), Tensor(lmfExpected, shape: [2, 4]), relative: 1e-5, absolute: 1e-6))

        // Multiplicative interaction, vector and scalar forms.
        let vector = MultiplicativeInteraction(widths: [5, 3], form: .vector, generator: &generator)
        #expect(isClose(vector(x[0], x[1]), x[0] * vector.weightNetwork(x[1])))
        let scalar = MultiplicativeInteraction(widths: [5, 3], form: .scalar, generator: &generator)
        #expect(isClose(scalar(x[0], x[1]), x[0] * scalar.weightNetwork(x[1])))
    }

    // MARK: Parity with PyTorch

    /// Loads the fixture's parameters into `module`, runs it on `input`, `input2` (, `input3`) and
    /// compares output, input gradients and every parameter gradient.
    func checkParity(_ name: String, _ module: any FusionStrategy, modalities: Int = 2,
                     relative: Float = 1e-5, absolute: Float = 1e-6, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try expectFusionParity("fusion_\(name)", module, modalities: modalities, relative: relative, absolute: absolute,
                               sourceLocation: sourceLocation) { module.fuse($0) }
    }

    @Test func parity() throws {
        var g = RandomGenerator(seed: 84)
        try checkParity("bilinear", BilinearFusion(widths: [5, 4], projectedWidths: (3, 2), outputWidth: 4, generator: &g))
        try checkParity("mlb", MLBFusion(widths: [5, 4], rank: 6, outputWidth: 4, generator: &g))
        try checkParity("mfb", MFBFusion(widths: [5, 4], factor: 3, outputWidth: 4, generator: &g))
        try checkParity("mfh", MFHFusion(widths: [5, 4], order: 2, factor: 3, outputWidth: 4, generator: &g))
        try checkParity("mutan", MUTANFusion(widths: [5, 4], projectedWidths: (3, 2), rank: 3, joinedWidth: 4, outputWidth: 4,
                                             generator: &g))
        try checkParity("block", BLOCKFusion(widths: [5, 4], projectedWidths: (6, 4), chunks: 2, rank: 2, chunkWidth: 3,
                                             outputWidth: 4, generator: &g))
        try checkParity("tfn", TensorFusion(widths: [3, 2, 2], outputWidth: 4, generator: &g), modalities: 3)
        try checkParity("lmf", LowRankFusion(widths: [3, 2, 2], rank: 3, outputWidth: 4, generator: &g), modalities: 3)
        try checkParity("mi_matrix", MultiplicativeInteraction(widths: [5, 4], form: .matrix, outputWidth: 4, generator: &g))
        try checkParity("mi_vector", MultiplicativeInteraction(widths: [5, 4], form: .vector, generator: &g))
        try checkParity("mi_scalar", MultiplicativeInteraction(widths: [5, 4], form: .scalar, generator: &g))
    }
}
