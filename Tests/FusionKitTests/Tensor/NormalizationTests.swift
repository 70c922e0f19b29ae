import FusionKit
import Testing

/// The fused layer- and batch-norm nodes against their definitions written as compositions of
/// recorded operations, and their backward against finite differences (input, weight, bias).
@Suite("Fused normalisation")
struct NormalizationTests {
    /// (x − mean) / √(var + ε) · w + b over `axes`, from elementary recorded operations.
    static func reference(_ x: Tensor, axes: [Int], weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) -> Tensor {
        let mean = x.mean(alongAxes: axes, keepingDimensions: true)
        let centered = x - mean
        var y = centered * (centered.square().mean(alongAxes: axes, keepingDimensions: true) + epsilon).rsqrt()
        if let weight { y = y * weight }
        if let bias { y = y + bias }
        return y
    }

    @Test("layerNormalized equals its definition and passes the gradient check, with and without affine",
          arguments: [[4, 6], [2, 3, 20]])
    func layerNorm(shape: [Int]) {
        let x = random(shape, seed: 61) * 2 + 0.5
        let length = shape.last!
        let w = random([length], seed: 62), b = random([length], seed: 63)
        let fused = x.layerNormalized(lastCount: length, weight: w, bias: b, epsilon: 1e-5)
        #expect(isClose(fused, Self.reference(x, axes: [shape.count - 1], weight: w, bias: b), relative: 1e-4, absolute: 1e-5))
        expectGradients([x, w, b]) { $0[0].layerNormalized(lastCount: length, weight: $0[1], bias: $0[2], epsilon: 1e-5) }
        expectGradients([x, w]) { $0[0].layerNormalized(lastCount: length, weight: $0[1], bias: nil, epsilon: 1e-5) }
        expectGradients([x]) { $0[0].layerNormalized(lastCount: length, weight: nil, bias: nil, epsilon: 1e-5) }
    }

    @Test("LayerNorm over two trailing dimensions normalises them together")
    func layerNormTwoDimensions() {
        let x = random([3, 4, 5], seed: 64)
        let layer = LayerNorm([4, 5])
        layer.weight!.value = random([4, 5], seed: 65)
        let expected = Self.reference(x, axes: [1, 2], weight: layer.weight!.value, bias: layer.bias!.value)
        #expect(isClose(layer(x), expected, relative: 1e-4, absolute: 1e-5))
        expectGradients([x], parameters: layer.parameters()) { layer($0[0]) }
    }

    @Test("batchNormalized equals its definition, returns the batch statistics and passes the gradient check",
          arguments: [[6, 3], [4, 3, 5], [2, 3, 4, 4]])
    func batchNorm(shape: [Int]) {
        let x = random(shape, seed: 66) * 1.5 - 0.3
        let channels = shape[1]
        let axes = [0] + Array(2..<shape.count)
        let broadcastShape = [channels] + [Int](repeating: 1, count: shape.count - 2)
        let w = random([channels], seed: 67), b = random([channels], seed: 68)
        let fused = x.batchNormalized(weight: w, bias: b, epsilon: 1e-5)
        let expected = Self.reference(x, axes: axes, weight: w.reshaped(broadcastShape), bias: b.reshaped(broadcastShape))
        #expect(isClose(fused.output, expected, relative: 1e-4, absolute: 1e-5))
        #expect(isClose(fused.mean, x.mean(alongAxes: axes), relative: 1e-5, absolute: 1e-6))
        #expect(isClose(fused.variance, x.variance(alongAxes: axes, correction: 0), relative: 1e-4, absolute: 1e-6))
        // Weighted so that the sum over a channel is not constant (its gradient would vanish).
        let mix = random(shape, seed: 69)
        expectGradients([x, w, b]) { $0[0].batchNormalized(weight: $0[1], bias: $0[2], epsilon: 1e-5).output * mix }
        expectGradients([x]) { $0[0].batchNormalized(weight: nil, bias: nil, epsilon: 1e-5).output * mix }
    }

    @Test("BatchNorm2d: training and inference paths equal the composed formulas, running statistics as PyTorch's")
    func batchNormLayer() {
        let x = random([3, 2, 4, 4], seed: 70)
        let layer = BatchNorm2d(2)
        layer.weight!.value = random([2], seed: 71)
        layer.bias!.value = random([2], seed: 72)
        let output = layer(x)
        let shape = [2, 1, 1]
        #expect(isClose(output, Self.reference(x, axes: [0, 2, 3], weight: layer.weight!.value.reshaped(shape),
                                               bias: layer.bias!.value.reshaped(shape)), relative: 1e-4, absolute: 1e-5))
        let unbiased = x.variance(alongAxes: [0, 2, 3], correction: 1)
        #expect(isClose(layer.runningMean.value, x.mean(alongAxes: [0, 2, 3]) * 0.1, relative: 1e-4, absolute: 1e-6))
        #expect(isClose(layer.runningVar.value, unbiased * 0.1 + 0.9, relative: 1e-4, absolute: 1e-6))
        layer.eval()
        // Inference without a graph takes the one-pass path; with a graph, the composed one.
        let fast = withoutGradient { layer(x) }
        let recorded = layer(x.requiringGradient())
        let expected = (x - layer.runningMean.value.reshaped(shape)) * (layer.runningVar.value.reshaped(shape) + 1e-5).rsqrt()
            * layer.weight!.value.reshaped(shape) + layer.bias!.value.reshaped(shape)
        #expect(isClose(fast, expected, relative: 1e-5, absolute: 1e-6))
        #expect(isClose(recorded, expected, relative: 1e-5, absolute: 1e-6))
    }
}
