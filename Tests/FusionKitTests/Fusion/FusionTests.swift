import FusionKit
import Testing

/// Fusion strategies: shapes with two and three modalities, their defining formulas, and
/// gradients against finite differences.
@Suite("Fusion strategies")
struct FusionTests {
    static let widths = [5, 3, 4]
    func inputs(_ count: Int) -> [Tensor] { (0..<count).map { random([2, Self.widths[$0]], seed: UInt64(60 + $0)) } }

    func strategies(_ count: Int, generator: inout RandomGenerator) -> [(String, any FusionStrategy)] {
        let widths = Array(Self.widths.prefix(count))
        return [
            ("concatenation", ConcatenationFusion(widths: widths, generator: &generator)),
            ("concatenation+MLP", ConcatenationFusion(widths: widths, hiddenWidth: 6, outputWidth: 4, generator: &generator)),
            ("sum", ProjectedFusion(widths: widths, width: 4, generator: &generator)),
            ("product", ProjectedFusion(widths: widths, width: 4, combination: .product, generator: &generator)),
            ("maximum", ProjectedFusion(widths: widths, width: 4, combination: .maximum, generator: &generator)),
            ("weighted sum", WeightedSumFusion(widths: widths, width: 4, generator: &generator)),
            ("modality attention", ModalityAttentionFusion(widths: widths, width: 4, generator: &generator)),
            ("deep set", DeepSetFusion(widths: widths, width: 4, pooling: .mean, generator: &generator)),
            ("GMU", GatedMultimodalUnit(widths: widths, width: 4, generator: &generator)),
        ]
    }

    @Test(arguments: [2, 3])
    func shapesAndGradients(modalities: Int) {
        var generator = RandomGenerator(seed: 61)
        for (name, strategy) in strategies(modalities, generator: &generator) {
            let fused = strategy.fuse(inputs(modalities))
            let width = name == "concatenation" ? Self.widths.prefix(modalities).reduce(0, +) : 4
            #expect(fused.shape == [2, width], "\(name): \(fused.shape)")
            if name == "maximum" { continue }  // kinks where two projections tie
            expectGradients(inputs(modalities)) { strategy.fuse($0) }
        }
    }

    @Test func formulas() {
        var generator = RandomGenerator(seed: 62)
        let x = inputs(2)
        let concatenation = ConcatenationFusion(widths: [5, 3], generator: &generator)
        #expect(concatenation(x[0], x[1]) == Tensor.concatenate(x, alongAxis: 1))
        let sum = ProjectedFusion(widths: [5, 3], width: 4, generator: &generator)
        #expect(isClose(sum(x[0], x[1]), sum.projections[0](x[0]) + sum.projections[1](x[1])))
        let weighted = WeightedSumFusion(widths: [5, 3], width: 4, generator: &generator)
        #expect(isClose(weighted(x[0], x[1]), (weighted.projections[0](x[0]) + weighted.projections[1](x[1])) * 0.5))
        let attention = ModalityAttentionFusion(widths: [5, 3], width: 4, generator: &generator)
        _ = attention(x[0], x[1])
        #expect(isClose(attention.lastWeights!.sum(alongAxes: 1), Tensor.ones([2])))
        let gmu = GatedMultimodalUnit(widths: [5, 3], width: 4, generator: &generator)
        let z = gmu.gates[0](Tensor.concatenate(x, alongAxis: 1)).sigmoid()
        let expected = z * gmu.projections[0](x[0]).tanh() + (1 - z) * gmu.projections[1](x[1]).tanh()
        #expect(isClose(gmu(x[0], x[1]), expected, relative: 1e-5, absolute: 1e-6))
        // Deep sets do not depend on the order of equally projected members.
        let deepSet = DeepSetFusion(widths: [4, 4], width: 4, generator: &generator)
        try? deepSet.projections[1].loadStateDict(deepSet.projections[0].stateDict())
        let a = random([2, 4], seed: 63), b = random([2, 4], seed: 64)
        #expect(isClose(deepSet(a, b), deepSet(b, a), relative: 1e-5, absolute: 1e-6))
    }

    @Test func filmModulatesChannels() {
        var generator = RandomGenerator(seed: 65)
        let film = FiLM(channels: 3, conditionWidth: 5, generator: &generator)
        let features = random([2, 3, 4, 4], seed: 66), condition = random([2, 5], seed: 67)
        let parameters = film.projection(condition)
        let gamma = parameters.slice(0..<3, alongAxis: 1).reshaped([2, 3, 1, 1])
        let beta = parameters.slice(3..<6, alongAxis: 1).reshaped([2, 3, 1, 1])
        #expect(isClose(film(features, condition), features * gamma + beta))
        expectGradients([features, condition]) { film.fuse($0) }
        #expect(Set(film.stateDict().keys) == ["projection.weight", "projection.bias"])
    }
}
