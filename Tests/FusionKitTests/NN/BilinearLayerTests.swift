import FusionKit
import Foundation
import Testing

/// `Bilinear` (torch.nn.Bilinear) against PyTorch fixtures made by
/// Tests/Fixtures/make_bilinear_fixtures.py, against its formula, and by finite differences.
@Suite("Bilinear layer")
struct BilinearLayerTests {
    let parity = ParityTests()

    @Test("an nn.Bilinear state dict loads unchanged and gives PyTorch's outputs and gradients",
          arguments: [("bilinear", true), ("bilinear_3d_nobias", false)])
    func parity(name: String, bias: Bool) throws {
        let fixture = try ParityTests.load(name)
        let weight = fixture["param.weight"]
        let layer = Bilinear(weight.shape[1], weight.shape[2], weight.shape[0], bias: bias)
        try layer.loadStateDict(parity.parameterState(fixture))
        let input1 = fixture["input"].requiringGradient()
        let input2 = fixture["input2"].requiringGradient()
        let output = layer(input1, input2)
        parity.expectClose(output, fixture["output"], "\(name) output")
        output.backward(fixture["grad_output"])
        parity.expectClose(input1.gradient, fixture["grad_input"], "\(name) first input gradient")
        parity.expectClose(input2.gradient, fixture["grad_input2"], "\(name) second input gradient")
        parity.expectClose(layer.weight.gradient, fixture["grad.weight"], "\(name) weight gradient")
        if bias { parity.expectClose(layer.bias?.gradient, fixture["grad.bias"], "\(name) bias gradient") }
    }

    @Test("each output is x1ᵀ·A_o·x2 + b_o, written out as sums")
    func formula() {
        var generator = RandomGenerator(seed: 3)
        let layer = Bilinear(3, 2, 4, generator: &generator)
        let x1 = Tensor.randomNormal([5, 3], generator: &generator)
        let x2 = Tensor.randomNormal([5, 2], generator: &generator)
        let y = layer(x1, x2)
        #expect(y.shape == [5, 4])
        let (w, b, a, c) = (layer.weight.value.scalars, layer.bias!.value.scalars, x1.scalars, x2.scalars)
        for n in 0..<5 {
            for o in 0..<4 {
                var expected = b[o]
                for i in 0..<3 { for j in 0..<2 { expected += a[n * 3 + i] * w[(o * 3 + i) * 2 + j] * c[n * 2 + j] } }
                #expect(abs(y.scalars[n * 4 + o] - expected) < 1e-5)
            }
        }
    }

    @Test("gradients of both inputs, the weight and the bias match finite differences")
    func gradients() {
        var generator = RandomGenerator(seed: 4)
        let layer = Bilinear(3, 4, 2, generator: &generator)
        let x1 = Tensor.randomNormal([2, 3, 3], generator: &generator)
        let x2 = Tensor.randomNormal([2, 3, 4], generator: &generator)
        let mismatches = GradientCheck.check([x1, x2], parameters: layer.parameters()) { layer($0[0], $0[1]) }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
    }

    @Test("initialised as PyTorch: U(−1/√in1, 1/√in1), keys weight and bias")
    func initialisation() {
        let layer = Bilinear(16, 3, 8)
        let bound = 1 / Float(16).squareRoot()
        #expect(layer.weight.shape == [8, 16, 3] && layer.bias?.shape == [8])
        #expect(layer.weight.value.scalars.allSatisfy { abs($0) <= bound })
        #expect(layer.weight.value.scalars.max()! > bound * 0.9)
        #expect(Set(layer.stateDict().keys) == ["weight", "bias"])
        #expect(Bilinear(16, 3, 8, bias: false).bias == nil)
    }
}
