@testable import FusionKit
import Testing

/// `conv2d(…, epilogue:)`: the fused residual and ReLU on every path (forced), with and without a
/// bias, against the reference path, which composes them from `+` and `relu()`; with a gradient
/// to record, the composed form runs on any path and the gradient reaches every input.
@Suite("Convolution epilogue")
struct ConvolutionEpilogueTests {
    typealias Layer = ConvolutionPathTests.Layer

    /// The path tests' layers, and two that reach the other ways of sharing the cores: a 1×1
    /// layer on four images (one image per core) and a Winograd layer large enough for one
    /// image's steps to be shared.
    static let layers: [Layer] = ConvolutionPathTests.layers + [
        Layer(input: [4, 6, 5, 5], weight: [7, 6, 1, 1]),
        Layer(input: [1, 64, 14, 14], weight: [64, 64, 3, 3], padding: (1, 1)),
    ]

    static var pairs: [(ConvolutionPath, Int)] {
        ConvolutionPath.allCases.flatMap { path in
            layers.indices.filter { path != .reference && path.computes(layers[$0].geometry, outChannels: layers[$0].weight[0], groups: layers[$0].groups) }
                .map { (path, $0) }
        }
    }

    static func convolve(_ path: ConvolutionPath, _ layer: Layer, _ x: Tensor, _ w: Tensor, _ b: Tensor?,
                         _ epilogue: ConvolutionEpilogue) -> (Tensor, conv: [String], epilogue: [String]) {
        let log = KernelPathLog()
        let y = KernelPathLog.$current.withValue(log) {
            Tensor.$forcedConvolutionPath.withValue(path) {
                x.conv2d(weight: w, bias: b, stride: layer.stride, padding: layer.padding, dilation: layer.dilation,
                         groups: layer.groups, epilogue: epilogue)
            }
        }
        return (y, log.paths(of: "conv2d"), log.paths(of: "conv2d epilogue"))
    }

    @Test("fused on each path as composed on the reference path", arguments: pairs)
    func fusedMatchesComposed(path: ConvolutionPath, index: Int) {
        let layer = Self.layers[index]
        let seed = UInt64(20 * index)
        let x = random(layer.input, seed: seed), w = random(layer.weight, seed: seed + 1) * 0.3
        let outputShape = withoutGradient { Self.convolve(.reference, layer, x, w, nil, ConvolutionEpilogue()).0.shape }
        let residual = random(outputShape, seed: seed + 2)
        for bias in [nil, random([layer.weight[0]], seed: seed + 3)] {
            for (withResidual, relu) in [(true, false), (false, true), (true, true)] {
                let epilogue = ConvolutionEpilogue(residual: withResidual ? residual : nil, relu: relu)
                let label = "\(layer) bias \(bias != nil) residual \(withResidual) relu \(relu)"
                let (fused, ran, how) = withoutGradient { Self.convolve(path, layer, x, w, bias, epilogue) }
                let (expected, _, referenceHow) = withoutGradient { Self.convolve(.reference, layer, x, w, bias, epilogue) }
                #expect(ran == [path.rawValue] && how == ["fused"] && referenceHow == ["composed"], "\(label): \(ran) \(how)")
                #expect(isClose(fused, expected, relative: 1e-4, absolute: 1e-5), "\(label): off by \(maxDifference(fused, expected))")
                if relu {
                    #expect(fused.scalars.allSatisfy { $0 >= 0 } && fused.scalars.contains(0), "\(label): not clamped")
                }
            }
        }
    }

    @Test("with a gradient to record the epilogue is composed, and the gradients are the graph's", arguments: pairs)
    func recordedIsComposed(path: ConvolutionPath, index: Int) {
        let layer = Self.layers[index]
        let seed = UInt64(30 * index)
        let outputShape = withoutGradient {
            Self.convolve(.reference, layer, random(layer.input, seed: seed), random(layer.weight, seed: seed + 1), nil,
                          ConvolutionEpilogue()).0.shape
        }
        func gradients(fused: Bool) -> ([Tensor], [String]) {
            let x = random(layer.input, seed: seed).requiringGradient(), w = (random(layer.weight, seed: seed + 1) * 0.3).requiringGradient()
            let r = random(outputShape, seed: seed + 2).requiringGradient()
            let (y, how): (Tensor, [String])
            if fused {
                let run = Self.convolve(path, layer, x, w, nil, ConvolutionEpilogue(residual: r, relu: true))
                (y, how) = (run.0, run.epilogue)
            } else {
                y = (Tensor.$forcedConvolutionPath.withValue(path) {
                    x.conv2d(weight: w, bias: nil, stride: layer.stride, padding: layer.padding, dilation: layer.dilation, groups: layer.groups)
                } + r).relu()
                how = []
            }
            y.backward(random(y.shape, seed: seed + 3))
            return ([x.gradient!, w.gradient!, r.gradient!], how)
        }
        let (actual, how) = gradients(fused: true), (expected, _) = gradients(fused: false)
        #expect(how == ["composed"], "\(layer)")
        for (name, (a, e)) in zip(["input", "weight", "residual"], zip(actual, expected)) {
            #expect(isClose(a, e, relative: 1e-5, absolute: 1e-6), "\(layer): \(name) gradient off by \(maxDifference(a, e))")
        }
    }
}
