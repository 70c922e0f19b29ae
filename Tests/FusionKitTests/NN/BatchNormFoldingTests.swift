@testable import FusionKit
import Testing

/// `BatchNormFolding`: folded in evaluation mode without a gradient, as the two layers and the
/// epilogue composed; folded again whenever one of the tensors it reads changes; not folded in
/// training or with a gradient to record.
@Suite("Batch norm folding")
struct BatchNormFoldingTests {
    /// A 3×3 (Winograd) or strided layer with its norm, statistics and affine parameters far from
    /// their initial values.
    static func layers(kernel: Int, stride: Int, bias: Bool, seed: UInt64) -> (Conv2d, BatchNorm2d) {
        var generator = RandomGenerator(seed: seed)
        let conv = Conv2d(16, 18, kernelSize: kernel, stride: stride, padding: kernel / 2, bias: bias, generator: &generator)
        let norm = BatchNorm2d(18)
        norm.runningMean.value = random([18], seed: seed + 1)
        norm.runningVar.value = random([18], seed: seed + 2).abs() + 0.5
        norm.weight!.value = random([18], seed: seed + 3) * 2
        norm.bias!.value = random([18], seed: seed + 4)
        norm.eval()
        return (conv, norm)
    }

    static func run(_ fold: BatchNormFolding, _ x: Tensor, residual: Tensor?, relu: Bool) -> (Tensor, [String]) {
        let log = KernelPathLog()
        let y = KernelPathLog.$current.withValue(log) { fold(x, residual: residual, relu: relu) }
        return (y, log.paths(of: "conv2d epilogue"))
    }

    static func composed(_ conv: Conv2d, _ norm: BatchNorm2d, _ x: Tensor, residual: Tensor?, relu: Bool) -> Tensor {
        ConvolutionEpilogue(residual: residual, relu: relu).composed(norm(conv(x)))
    }

    @Test("folded as the layers, with and without the convolution's bias, residual and ReLU",
          arguments: [(3, 1, false), (3, 1, true), (1, 1, true), (3, 2, false), (1, 2, true)])
    func foldedMatchesTheLayers(kernel: Int, stride: Int, bias: Bool) {
        let (conv, norm) = Self.layers(kernel: kernel, stride: stride, bias: bias, seed: 5)
        let fold = BatchNormFolding(conv, norm)
        let x = random([2, 16, 9, 9], seed: 6)
        let side = (9 + 2 * (kernel / 2) - kernel) / stride + 1
        for (residual, relu) in [(nil, false), (random([2, 18, side, side], seed: 7), true)] {
            let (y, how) = withoutGradient { Self.run(fold, x, residual: residual, relu: relu) }
            let expected = withoutGradient { Self.composed(conv, norm, x, residual: residual, relu: relu) }
            #expect(how == (residual == nil && !relu ? [] : ["fused"]) && withoutGradient { fold.folds(x) }, "\(how)")
            #expect(isClose(y, expected, relative: 1e-4, absolute: 1e-5), "off by \(maxDifference(y, expected))")
        }
    }

    @Test("a change to any tensor it reads is folded in")
    func followsChanges() {
        let (conv, norm) = Self.layers(kernel: 3, stride: 1, bias: true, seed: 8)
        let fold = BatchNormFolding(conv, norm)
        let x = random([1, 16, 8, 8], seed: 9)
        func check(_ label: String) {
            let y = withoutGradient { fold(x, relu: true) }, expected = withoutGradient { Self.composed(conv, norm, x, residual: nil, relu: true) }
            #expect(isClose(y, expected, relative: 1e-4, absolute: 1e-5), "\(label): off by \(maxDifference(y, expected))")
        }
        check("first")
        let changes: [(String, () -> Void)] = [
            ("running mean", { norm.runningMean.value = norm.runningMean.value + 0.5 }),
            ("running variance", { norm.runningVar.value = norm.runningVar.value * 3 }),
            ("norm weight", { norm.weight!.update { $0 = $0 * -1 } }),
            ("norm bias", { norm.bias!.value = norm.bias!.value - 1 }),
            ("convolution weight", { conv.weight.update { $0 *= 2 } }),
            ("convolution bias", { conv.bias!.value = conv.bias!.value + 2 }),
            ("loaded state", { _ = try! norm.loadStateDict(["running_mean": random([18], seed: 10)], strict: false) }),
        ]
        for (label, change) in changes {
            let before = withoutGradient { fold(x, relu: false) }
            change()
            let after = withoutGradient { fold(x, relu: false) }
            #expect(maxDifference(before, after) > 1e-3, "\(label): the output did not change")
            check(label)
        }
    }

    @Test("in training, or with a gradient to record, the layers run as they are")
    func notFoldedWhenLearning() {
        let (conv, norm) = Self.layers(kernel: 3, stride: 1, bias: false, seed: 11)
        let fold = BatchNormFolding(conv, norm)
        let x = random([2, 16, 6, 6], seed: 12)
        // Gradient: the composed form, and the convolution's weight gets one.
        let (y, how) = Self.run(fold, x, residual: nil, relu: true)
        #expect(!fold.folds(x) && how.isEmpty)
        y.sum().backward()
        #expect(conv.weight.gradient != nil)
        // Training: batch statistics, and the running ones move.
        norm.train()
        let mean = norm.runningMean.value
        let trained = withoutGradient { fold(x) }
        #expect(!withoutGradient { fold.folds(x) })
        #expect(maxDifference(norm.runningMean.value, mean) > 1e-4)
        let batchMeans = trained.mean(alongAxes: [0, 2, 3])
        #expect(batchMeans.scalars.enumerated().allSatisfy { abs($0.element - norm.bias!.value.scalars[$0.offset]) < 1e-4 },
                "training normalises with the batch's own statistics")
    }
}
