import FusionKit
import Testing

/// Parity of the feature-level fusions (FeatureFusion.swift, FiLM.swift, CompactBilinearPooling.swift)
/// with the PyTorch fixtures of Tests/Fixtures/make_fusion_fixtures_feature.py: the module's state-dict
/// keys equal the fixture's `param.` keys, and after loading them the output, the input gradients and
/// every parameter gradient match PyTorch (relative 1e-5, absolute 1e-6).
@Suite("Feature fusion parity with PyTorch")
struct FeatureFusionParityTests {
    /// Loads the fixture's parameters (and buffers) into `module`, runs it on `input`, `input2`
    /// (, `input3`) and compares output, input gradients and every parameter gradient.
    func checkParity(_ name: String, _ module: any FusionStrategy, modalities: Int = 2,
                     relative: Float = 1e-5, absolute: Float = 1e-6, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try expectFusionParity("fusion_\(name)", module, modalities: modalities, relative: relative, absolute: absolute,
                               sourceLocation: sourceLocation) { module.fuse($0) }
    }

    static let two = [5, 4]
    static let three = [3, 2, 4]

    @Test func concatenation() throws {
        var g = RandomGenerator(seed: 90)
        try checkParity("concat", ConcatenationFusion(widths: Self.two, generator: &g))
    }

    @Test func concatenationWithMLP() throws {
        var g = RandomGenerator(seed: 91)
        try checkParity("concat_mlp", ConcatenationFusion(widths: Self.three, hiddenWidth: 6, outputWidth: 3, generator: &g),
                        modalities: 3)
    }

    @Test func projectedSum() throws {
        var g = RandomGenerator(seed: 92)
        try checkParity("projected_sum", ProjectedFusion(widths: Self.two, width: 4, combination: .sum, generator: &g))
    }

    @Test func projectedProduct() throws {
        var g = RandomGenerator(seed: 93)
        try checkParity("projected_product", ProjectedFusion(widths: Self.two, width: 4, combination: .product, generator: &g))
    }

    @Test func projectedMaximum() throws {
        var g = RandomGenerator(seed: 94)
        try checkParity("projected_maximum", ProjectedFusion(widths: Self.three, width: 4, combination: .maximum, generator: &g),
                        modalities: 3)
    }

    @Test func weightedSum() throws {
        var g = RandomGenerator(seed: 95)
        try checkParity("weighted_sum", WeightedSumFusion(widths: Self.three, width: 4, generator: &g), modalities: 3)
    }

    @Test func modalityAttention() throws {
        var g = RandomGenerator(seed: 96)
        try checkParity("modality_attention", ModalityAttentionFusion(widths: Self.three, width: 4, generator: &g), modalities: 3)
    }

    @Test(arguments: [("sum", SetPooling.sum), ("mean", .mean), ("maximum", .maximum)])
    func deepSet(name: String, pooling: SetPooling) throws {
        var g = RandomGenerator(seed: 97)
        try checkParity("deepset_\(name)", DeepSetFusion(widths: Self.three, width: 4, pooling: pooling, generator: &g),
                        modalities: 3)
    }

    @Test func gatedMultimodalUnitTwoModalities() throws {
        var g = RandomGenerator(seed: 98)
        try checkParity("gmu2", GatedMultimodalUnit(widths: Self.two, width: 4, generator: &g))
    }

    @Test func gatedMultimodalUnitThreeModalities() throws {
        var g = RandomGenerator(seed: 99)
        try checkParity("gmu3", GatedMultimodalUnit(widths: Self.three, width: 4, generator: &g), modalities: 3)
    }

    /// Features [3, 3, 2, 2] modulated per channel by a condition [3, 4].
    @Test(arguments: [("film", false), ("film_residual", true)])
    func film(name: String, residualScale: Bool) throws {
        var g = RandomGenerator(seed: 100)
        try checkParity(name, FiLM(channels: 3, conditionWidth: 4, residualScale: residualScale, generator: &g))
    }

    /// The fixture's hashes and signs replace the module's own (they are buffers of its state dict).
    @Test(arguments: [("mcb", true), ("mcb_raw", false)])
    func compactBilinearPooling(name: String, normalize: Bool) throws {
        var g = RandomGenerator(seed: 101)
        try checkParity(name, CompactBilinearPooling(widths: [9, 7], dimension: 8, normalize: normalize, generator: &g))
    }
}
