@testable import FusionKit
import Testing

/// 3×3 stride-1 convolutions with at least 16 channels on each side run forward by Winograd's
/// F(2×2, 3×3) (WinogradConvolution.swift, CFusionKitKernels/WinogradKernels.c), and so does
/// the input gradient of "same" ones: against the direct sum on every instruction set this CPU
/// runs, the input gradient as the forward's adjoint, and finite differences.
@Suite("Winograd convolution", .serialized)
struct WinogradConvolutionTests {
    static var instructionSets: [VectorKernels.InstructionSet] { VectorKernels.InstructionSet.runnable }

    /// Input shape, output channels, padding. Chosen so that every path runs: odd heights and
    /// widths (cropped last tiles), even planes (the output transform's eight-tile body and its
    /// tail), output channels not a multiple of four (the products' one-row tail), tile counts
    /// not a multiple of 16 (zeroed columns), no padding and a padding of 2, 12 images of 25
    /// tiles (blocks of `tilesPerBlock` tiles, the last one short, on one core or two), and two
    /// single images large enough for their steps to be shared among cores (`sharedImages`).
    static let cases: [([Int], Int, (Int, Int))] = [
        ([2, 16, 6, 9], 16, (1, 1)),
        ([3, 17, 5, 4], 18, (1, 1)),
        ([1, 16, 8, 8], 20, (0, 0)),
        ([2, 16, 10, 10], 16, (1, 1)),
        ([1, 16, 4, 5], 16, (2, 2)),
        ([1, 19, 7, 7], 17, (1, 2)),
        ([12, 16, 10, 10], 16, (1, 1)),
        ([1, 32, 16, 16], 64, (1, 1)),
        ([1, 35, 15, 17], 63, (1, 1)),
    ]

    /// The cases whose images are too few for the cores and large enough to share each image's
    /// steps (input channels, positions, output channels) among them.
    static let sharedImages = [[1, 32, 16, 16], [1, 35, 15, 17]]

    @Test("takes 3×3 stride-1 layers with 16 channels or more, and no others")
    func eligibility() {
        func geometry(_ shape: [Int], kernel: (Int, Int) = (3, 3), stride: (Int, Int) = (1, 1), dilation: (Int, Int) = (1, 1)) -> ConvolutionGeometry {
            ConvolutionGeometry(input: shape, kernel: kernel, stride: stride, padding: (1, 1), dilation: dilation, op: "test")
        }
        #expect(WinogradConvolution.applies(geometry([1, 16, 8, 8]), outChannels: 16, groups: 1))
        #expect(!WinogradConvolution.applies(geometry([1, 15, 8, 8]), outChannels: 16, groups: 1))
        #expect(!WinogradConvolution.applies(geometry([1, 16, 8, 8]), outChannels: 15, groups: 1))
        #expect(!WinogradConvolution.applies(geometry([1, 16, 8, 8], stride: (2, 2)), outChannels: 16, groups: 1))
        #expect(!WinogradConvolution.applies(geometry([1, 16, 8, 8], dilation: (2, 2)), outChannels: 16, groups: 1))
        #expect(!WinogradConvolution.applies(geometry([1, 16, 8, 8], kernel: (3, 2)), outChannels: 16, groups: 1))
        #expect(!WinogradConvolution.applies(geometry([1, 32, 8, 8]), outChannels: 32, groups: 2))
    }

    @Test("shares one image's steps among cores only for fewer images than cores and large products")
    func sharing() {
        for (shape, outChannels, padding) in Self.cases {
            let g = ConvolutionGeometry(input: shape, kernel: (3, 3), stride: (1, 1), padding: padding, dilation: (1, 1), op: "test")
            let expected = Self.sharedImages.contains(shape) && Parallel.threadCount > 1
            #expect(WinogradConvolution.sharesEachImage(g, outChannels: outChannels) == expected, "\(shape) → \(outChannels)")
            // And what the forward pass reports it did.
            let log = KernelPathLog()
            KernelPathLog.$current.withValue(log) {
                _ = random(shape, seed: 5).conv2d(weight: random([outChannels, shape[1], 3, 3], seed: 6), padding: padding)
            }
            #expect(log.paths(of: "winograd sharing") == [expected ? "eachImage" : "images"], "\(shape) → \(outChannels)")
            var twoImages = g
            twoImages.batch = 2
            #expect(!WinogradConvolution.sharesEachImage(twoImages, outChannels: outChannels))
        }
    }

    @Test("forward matches the direct sum", arguments: instructionSets)
    func forward(instructionSet: VectorKernels.InstructionSet) {
        VectorKernels.limitInstructionSet(to: instructionSet)
        defer { VectorKernels.limitInstructionSet(to: nil) }
        for (index, (shape, outChannels, padding)) in Self.cases.enumerated() {
            let x = random(shape, seed: UInt64(40 + index)), w = random([outChannels, shape[1], 3, 3], seed: 60) * 0.3
            let b = random([outChannels], seed: 61)
            for bias in [b, nil] {
                let actual = x.conv2d(weight: w, bias: bias, padding: padding)
                let expected = VisionGradientTests.naiveConvolution(x, w, bias, stride: (1, 1), padding: padding,
                                                                    dilation: (1, 1), groups: 1)
                #expect(isClose(actual, expected, relative: 1e-4, absolute: 1e-4),
                        "\(shape) → \(outChannels), padding \(padding), bias \(bias != nil): max difference \(maxDifference(actual, expected))")
            }
        }
    }

    /// ⟨conv(x), dy⟩ = ⟨x, dx⟩ for the input gradient dx that backward gives for dy: the
    /// Winograd input gradient is the adjoint of the forward, on the "same" cases above.
    @Test("input gradient is the adjoint of the forward", arguments: instructionSets)
    func adjoint(instructionSet: VectorKernels.InstructionSet) {
        VectorKernels.limitInstructionSet(to: instructionSet)
        defer { VectorKernels.limitInstructionSet(to: nil) }
        for (index, (shape, outChannels, padding)) in Self.cases.enumerated() where padding == (1, 1) {
            let x = random(shape, seed: UInt64(80 + index)).requiringGradient()
            let w = random([outChannels, shape[1], 3, 3], seed: 81) * 0.3
            let y = x.conv2d(weight: w, padding: padding)
            let dy = random(y.shape, seed: 82)
            y.backward(dy)
            let forward = zip(y.scalars, dy.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let backward = zip(x.scalars, x.gradient!.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(forward - backward) <= 1e-4 * max(1, abs(forward)), "\(shape) → \(outChannels): \(forward) against \(backward)")
        }
    }

    @Test("backward matches finite differences of the Winograd forward")
    func gradients() {
        let x = random([1, 16, 3, 4], seed: 70), w = random([16, 16, 3, 3], seed: 71) * 0.3, b = random([16], seed: 72)
        expectGradients([x, w, b]) { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: (1, 1)) }
    }
}
