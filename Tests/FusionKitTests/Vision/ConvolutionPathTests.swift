@testable import FusionKit
import Testing

/// Every kernel of `conv2d` (`ConvolutionPath`) forced in turn on layers it can compute, checked
/// to have run (and with it the input-gradient method), and compared with the reference path:
/// output and the gradients of input, weight and bias. The reference path itself is checked
/// against an independent loop (`VisionGradientTests.naiveConvolution`) and finite differences.
@Suite("Convolution paths")
struct ConvolutionPathTests {
    struct Layer: CustomStringConvertible, Sendable {
        var input: [Int], weight: [Int], stride = (1, 1), padding = (0, 0), dilation = (1, 1), groups = 1
        var description: String { "\(input) * \(weight) stride \(stride) padding \(padding) dilation \(dilation) groups \(groups)" }
        var geometry: ConvolutionGeometry {
            ConvolutionGeometry(input: input, kernel: (weight[2], weight[3]), stride: stride, padding: padding, dilation: dilation, op: "test")
        }
    }

    /// Each path's own shapes and the shapes it shares with others: Winograd "same" (its input
    /// gradient by Winograd) and unpadded (by col2im), with channel counts that leave tails;
    /// 1×1; stride 2 "same" (tap-major unfolding); groups; a dilated rectangular kernel; a 1×1
    /// stride-2 layer (a shortcut's, unfolded line by line).
    static let layers: [Layer] = [
        Layer(input: [2, 16, 6, 7], weight: [17, 16, 3, 3], padding: (1, 1)),
        Layer(input: [1, 17, 7, 6], weight: [18, 17, 3, 3]),
        Layer(input: [2, 5, 4, 3], weight: [6, 5, 1, 1]),
        Layer(input: [2, 3, 7, 8], weight: [4, 3, 3, 3], stride: (2, 2), padding: (1, 1)),
        Layer(input: [2, 4, 5, 6], weight: [6, 2, 3, 3], padding: (1, 1), groups: 2),
        Layer(input: [1, 2, 8, 7], weight: [3, 2, 3, 2], stride: (1, 2), padding: (2, 1), dilation: (2, 1)),
        Layer(input: [2, 6, 7, 8], weight: [5, 6, 1, 1], stride: (2, 2)),
    ]

    static var pairs: [(ConvolutionPath, Int)] {
        ConvolutionPath.allCases.flatMap { path in
            layers.indices.filter { path != .reference && path.computes(layers[$0].geometry, outChannels: layers[$0].weight[0], groups: layers[$0].groups) }
                .map { (path, $0) }
        }
    }

    /// Output and the gradients of input, weight and bias on `path`, and the paths that ran.
    static func run(_ path: ConvolutionPath, _ layer: Layer, seed: UInt64) -> (output: Tensor, gradients: [Tensor], ran: [String], inputGradient: [String]) {
        let x = random(layer.input, seed: seed).requiringGradient()
        let w = (random(layer.weight, seed: seed + 1) * 0.3).requiringGradient()
        let b = random([layer.weight[0]], seed: seed + 2).requiringGradient()
        let log = KernelPathLog()
        let output = KernelPathLog.$current.withValue(log) {
            let y = Tensor.$forcedConvolutionPath.withValue(path) {
                x.conv2d(weight: w, bias: b, stride: layer.stride, padding: layer.padding, dilation: layer.dilation, groups: layer.groups)
            }
            y.backward(random(y.shape, seed: seed + 3))
            return y
        }
        return (output, [x.gradient!, w.gradient!, b.gradient!], log.paths(of: "conv2d"), log.paths(of: "conv2d input gradient"))
    }

    @Test("each path runs when forced and matches the reference path", arguments: pairs)
    func matchesTheReference(path: ConvolutionPath, index: Int) {
        let layer = Self.layers[index]
        let actual = Self.run(path, layer, seed: UInt64(10 * index)), expected = Self.run(.reference, layer, seed: UInt64(10 * index))
        #expect(actual.ran == [path.rawValue] && expected.ran == ["reference"], "\(layer)")
        #expect(actual.inputGradient == (path.inputGradient(layer.geometry).map { [$0.rawValue] } ?? []), "\(layer)")
        #expect(isClose(actual.output, expected.output, relative: 1e-4, absolute: 1e-5),
                "\(layer): output off by \(maxDifference(actual.output, expected.output))")
        for (name, (a, e)) in zip(["input", "weight", "bias"], zip(actual.gradients, expected.gradients)) {
            #expect(isClose(a, e, relative: 1e-4, absolute: 1e-4), "\(layer): \(name) gradient off by \(maxDifference(a, e))")
        }
    }

    @Test("the reference path is the definition: an independent loop and finite differences", arguments: layers.indices)
    func referenceIsTheDefinition(index: Int) {
        let layer = Self.layers[index]
        let x = random(layer.input, seed: 90), w = random(layer.weight, seed: 91) * 0.3, b = random([layer.weight[0]], seed: 92)
        let actual = Tensor.$forcedConvolutionPath.withValue(.reference) {
            x.conv2d(weight: w, bias: b, stride: layer.stride, padding: layer.padding, dilation: layer.dilation, groups: layer.groups)
        }
        let expected = VisionGradientTests.naiveConvolution(x, w, b, stride: layer.stride, padding: layer.padding,
                                                            dilation: layer.dilation, groups: layer.groups)
        #expect(isClose(actual, expected, relative: 1e-5, absolute: 1e-5), "\(layer): off by \(maxDifference(actual, expected))")
        guard layer.input.reduce(1, *) <= 200 else { return }
        expectGradients([x, w, b]) { inputs in
            Tensor.$forcedConvolutionPath.withValue(.reference) {
                inputs[0].conv2d(weight: inputs[1], bias: inputs[2], stride: layer.stride, padding: layer.padding,
                                 dilation: layer.dilation, groups: layer.groups)
            }
        }
    }

    /// The choice is a function of the geometry, and what runs unforced is what it names.
    @Test func choiceFollowsTheGeometry() {
        func chosen(_ layer: Layer) -> ConvolutionPath {
            Tensor.convolutionPath(input: layer.input, weight: layer.weight, stride: layer.stride, padding: layer.padding,
                                   dilation: layer.dilation, groups: layer.groups)
        }
        #expect(Self.layers.map(chosen) == [.winograd, .winograd, .pointwise, .unfolded, .unfolded, .unfolded, .unfolded])
        // Stride-2 "same" 3×3 unfolds by phase; a 1×1 stride-2 layer, which reads one phase of four, line by line.
        #expect(Self.layers[3].geometry.unfoldsByPhase && !Self.layers[6].geometry.unfoldsByPhase)
        // Too few channels for Winograd's transforms on either side; a 1×1 layer with stride or padding.
        #expect(chosen(Layer(input: [1, 15, 8, 8], weight: [16, 15, 3, 3], padding: (1, 1))) == .unfolded)
        #expect(chosen(Layer(input: [1, 16, 8, 8], weight: [15, 16, 3, 3], padding: (1, 1))) == .unfolded)
        #expect(chosen(Layer(input: [1, 16, 8, 8], weight: [16, 16, 3, 3], dilation: (2, 2))) == .unfolded)
        #expect(chosen(Layer(input: [1, 4, 8, 8], weight: [4, 4, 1, 1], stride: (2, 2))) == .unfolded)
        #expect(chosen(Layer(input: [1, 4, 8, 8], weight: [4, 4, 1, 1], padding: (1, 1))) == .unfolded)
        for layer in Self.layers {
            let log = KernelPathLog()
            KernelPathLog.$current.withValue(log) {
                _ = random(layer.input, seed: 5).conv2d(weight: random(layer.weight, seed: 6), stride: layer.stride,
                                                        padding: layer.padding, dilation: layer.dilation, groups: layer.groups)
            }
            #expect(log.paths(of: "conv2d") == [chosen(layer).rawValue], "\(layer)")
        }
    }
}
