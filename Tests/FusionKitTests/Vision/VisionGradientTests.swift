import FusionKit
import Testing

/// Convolution, pooling, resampling and normalisation of feature maps: backward against finite
/// differences, and forward against direct definitions.
@Suite("Vision layers")
struct VisionGradientTests {
    /// Direct convolution: a sum over every kernel tap, for comparison.
    static func naiveConvolution(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: (Int, Int), padding: (Int, Int),
                                 dilation: (Int, Int), groups: Int) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let oh = (h + 2 * padding.0 - dilation.0 * (kh - 1) - 1) / stride.0 + 1
        let ow = (wd + 2 * padding.1 - dilation.1 * (kw - 1) - 1) / stride.1 + 1
        let xs = x.scalars, ws = w.scalars, og = o / groups
        var out = [Float](repeating: 0, count: n * o * oh * ow)
        for i in 0..<n { for oc in 0..<o { for y in 0..<oh { for z in 0..<ow {
            var total: Float = b?.scalars[oc] ?? 0
            let group = oc / og
            for ic in 0..<cg { for a in 0..<kh { for d in 0..<kw {
                let iy = y * stride.0 - padding.0 + a * dilation.0, ix = z * stride.1 - padding.1 + d * dilation.1
                if iy < 0 || iy >= h || ix < 0 || ix >= wd { continue }
                total += xs[((i * c + group * cg + ic) * h + iy) * wd + ix] * ws[((oc * cg + ic) * kh + a) * kw + d]
            } } }
            out[((i * o + oc) * oh + y) * ow + z] = total
        } } } }
        _ = c
        return Tensor(out, shape: [n, o, oh, ow])
    }

    static let convolutions: [([Int], [Int], (Int, Int), (Int, Int), (Int, Int), Int)] = [
        ([2, 3, 6, 5], [4, 3, 3, 3], (1, 1), (0, 0), (1, 1), 1),
        ([2, 3, 7, 7], [4, 3, 3, 3], (2, 2), (1, 1), (1, 1), 1),
        ([1, 2, 8, 7], [3, 2, 3, 2], (1, 2), (2, 1), (2, 1), 1),
        ([2, 4, 5, 5], [6, 2, 3, 3], (1, 1), (1, 1), (1, 1), 2),
        ([2, 4, 5, 6], [4, 1, 3, 3], (2, 1), (1, 1), (1, 1), 4),
        ([2, 5, 3, 4], [3, 5, 1, 1], (1, 1), (0, 0), (1, 1), 1),
        // 1×1 with the bias preloaded (PointwiseConvolution.swift), images shared out among cores.
        ([5, 3, 2, 3], [4, 3, 1, 1], (1, 1), (0, 0), (1, 1), 1),
        // Lines long enough for the vectorised stride-2 unfold (eight outputs at a time) and its
        // scalar tail, with and without padding, odd and even widths, and a dilated kernel.
        ([1, 2, 5, 41], [3, 2, 3, 3], (2, 2), (1, 1), (1, 1), 1),
        ([1, 2, 4, 38], [2, 2, 3, 3], (1, 2), (0, 0), (1, 1), 1),
        ([1, 1, 5, 44], [2, 1, 2, 3], (2, 2), (2, 3), (1, 2), 1),
        // "Same" padding (output ⌈H/s⌉ × ⌈W/s⌉), unfolded a whole shifted phase plane at a time:
        // stride 1 plain, dilated, with a rectangular kernel and with a kernel larger than the
        // image; stride 2 on an even width (the VQA encoders' 38 → 19) and dilated; stride 3.
        // Index 1 and 4 above also take this path (stride 2, and stride 2 by 1).
        ([2, 3, 6, 9], [4, 3, 3, 3], (1, 1), (1, 1), (1, 1), 1),
        ([1, 2, 7, 6], [3, 2, 3, 3], (1, 1), (2, 2), (2, 2), 1),
        ([1, 2, 5, 8], [2, 2, 3, 5], (1, 1), (1, 2), (1, 1), 1),
        ([1, 1, 2, 3], [2, 1, 5, 5], (1, 1), (2, 2), (1, 1), 1),
        ([1, 2, 6, 38], [3, 2, 3, 3], (2, 2), (1, 1), (1, 1), 1),
        ([1, 2, 9, 9], [2, 2, 3, 3], (2, 2), (2, 2), (2, 2), 1),
        ([1, 2, 7, 8], [2, 2, 3, 3], (3, 3), (1, 1), (1, 1), 1),
    ]

    @Test("conv2d forward matches the direct sum, backward matches finite differences", arguments: convolutions.indices)
    func convolution(index: Int) {
        let (xs, ws, stride, padding, dilation, groups) = Self.convolutions[index]
        let x = random(xs, seed: 31), w = random(ws, seed: 32) * 0.5, b = random([ws[0]], seed: 33)
        let actual = x.conv2d(weight: w, bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups)
        let expected = Self.naiveConvolution(x, w, b, stride: stride, padding: padding, dilation: dilation, groups: groups)
        #expect(isClose(actual, expected, relative: 1e-5, absolute: 1e-5), "max difference \(maxDifference(actual, expected))")
        expectGradients([x, w, b]) {
            $0[0].conv2d(weight: $0[1], bias: $0[2], stride: stride, padding: padding, dilation: dilation, groups: groups)
        }
    }

    @Test func pooling() {
        // Distinct values keep max pooling away from ties.
        var generator = RandomGenerator(seed: 34)
        let distinct = Tensor((0..<(2 * 2 * 7 * 7)).map { Float($0) * 0.01 }.shuffled(using: &generator), shape: [2, 2, 7, 7])
        expectGradients([distinct]) { $0[0].maxPool2d(kernel: (2, 2)) }
        expectGradients([distinct]) { $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        expectGradients([distinct]) { $0[0].adaptiveMaxPool2d(outputSize: (2, 3)) }
        let x = random([2, 2, 7, 6], seed: 35)
        expectGradients([x]) { $0[0].avgPool2d(kernel: (2, 2)) }
        expectGradients([x]) { $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        expectGradients([x]) { $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: false) }
        expectGradients([x]) { $0[0].adaptiveAvgPool2d(outputSize: (3, 4)) }
        // Global pooling equals the mean / max over the plane.
        #expect(isClose(x.adaptiveAvgPool2d(outputSize: (1, 1)).flattened(startAxis: 1), x.mean(alongAxes: [2, 3])))
        #expect(x.adaptiveMaxPool2d(outputSize: (1, 1)).flattened(startAxis: 1) == x.max(alongAxes: [2, 3]))
        let small = Tensor([1, 5, 3, 2, 4, 8, 7, 6, 0, 9, 2, 1, 3, 3, 1, 2], shape: [1, 1, 4, 4])
        #expect(small.maxPool2d(kernel: (2, 2)).scalars == [8, 7, 9, 2])
        #expect(small.avgPool2d(kernel: (2, 2)).scalars == [4.5, 4.5, 3.75, 1.5])
    }

    /// Enough planes for the pooling loops to share them out among the cores: each plane's
    /// gradient equals that of the plane pooled alone.
    @Test func poolingManyPlanes() {
        var generator = RandomGenerator(seed: 37)
        let x = Tensor.randomNormal([4, 8, 40, 40], generator: &generator)
        let upstream = Tensor.randomNormal([4, 8, 10, 13], generator: &generator)
        let pools: [(Tensor) -> Tensor] = [{ $0.adaptiveAvgPool2d(outputSize: (10, 13)) },
                                           { $0.adaptiveMaxPool2d(outputSize: (10, 13)) }]
        for pool in pools {
            let whole = x.requiringGradient()
            pool(whole).backward(upstream)
            for (n, c) in [(0, 0), (1, 5), (3, 7)] {
                let plane = x.slice(n..<(n + 1), alongAxis: 0).slice(c..<(c + 1), alongAxis: 1).requiringGradient()
                pool(plane).backward(upstream.slice(n..<(n + 1), alongAxis: 0).slice(c..<(c + 1), alongAxis: 1))
                let part = whole.gradient!.slice(n..<(n + 1), alongAxis: 0).slice(c..<(c + 1), alongAxis: 1)
                #expect(isClose(part, plane.gradient!), "plane (\(n), \(c))")
            }
        }
    }

    @Test func resamplingAndPadding() {
        let x = random([2, 2, 3, 4], seed: 36)
        expectGradients([x]) { $0[0].upsample(scale: (2, 2)) }
        expectGradients([x]) { $0[0].upsample(scale: (2, 2), mode: .bilinear(alignCorners: false)) }
        expectGradients([x]) { $0[0].upsample(size: (5, 7), mode: .bilinear(alignCorners: true)) }
        expectGradients([x]) { $0[0].zeroPadded(left: 1, right: 2, top: 0, bottom: 1) }
        let tiny = Tensor([1, 2, 3, 4], shape: [1, 1, 2, 2])
        #expect(tiny.upsample(scale: (2, 2)).scalars == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        #expect(tiny.upsample(size: (3, 3), mode: .bilinear(alignCorners: true)).scalars == [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4])
        #expect(tiny.zeroPadded(left: 1, right: 0, top: 0, bottom: 1).scalars == [0, 1, 2, 0, 3, 4, 0, 0, 0])
    }

    @Test func normalisationLayers() {
        let x = random([2, 4, 3, 3], seed: 37)
        let batchNorm = BatchNorm2d(4)
        expectGradients([x]) { batchNorm($0[0]) * Tensor.arange(3) }
        let groupNorm = GroupNorm(groups: 2, channels: 4)
        expectGradients([x]) { groupNorm($0[0]) * Tensor.arange(3) }
        let instanceNorm = InstanceNorm2d(4)
        let normalized = instanceNorm(x)
        #expect(isClose(normalized.mean(alongAxes: [2, 3]), Tensor.zeros([2, 4]), relative: 0, absolute: 1e-5))
        #expect(isClose(normalized.variance(alongAxes: [2, 3], correction: 0), Tensor.ones([2, 4]), relative: 0, absolute: 1e-3))
        #expect(Set(batchNorm.stateDict().keys) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
    }

    @Test func convolutionLayerKeysAndShapes() {
        var generator = RandomGenerator(seed: 38)
        let model = Sequential(Conv2d(3, 8, kernelSize: 3, stride: 2, padding: 1, generator: &generator), BatchNorm2d(8), ReLU(),
                               MaxPool2d(kernelSize: 2), Flatten())
        #expect(model(Tensor.zeros([2, 3, 16, 16])).shape == [2, 8 * 4 * 4])
        let convolution = Conv2d(2, 3, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
        expectGradients([random([2, 2, 5, 5], seed: 39)], parameters: convolution.parameters()) { convolution($0[0]) }
        #expect(Set(model.stateDict().keys) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                                               "1.num_batches_tracked"])
    }
}
