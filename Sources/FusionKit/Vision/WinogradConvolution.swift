import CFusionKitKernels
/// The forward pass of a 3×3, stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3)
/// (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016): each 2×2 block of
/// outputs ("tile") comes from a 4×4 block of input by
///
///     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d Bᵀᵀ) ] A
///
/// with the transforms below. Summed over input channels, the element-wise product becomes 16
/// matrix products, one per position ξ of the 4×4 block: M_ξ [out, tiles] = U_ξ [out, in] ·
/// V_ξ [in, tiles]. They do 16 multiplies per 4 outputs and input channel where the direct
/// (im2col) convolution does 36: 2.25× fewer.
///
///     Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
///     Aᵀ = [1 1 1 0; 0 1 −1 −1]
///
/// The forward pass, and the input gradient of "same" layers (a convolution of the output
/// gradient, `adjointWeights`); the weight gradient stays with the unfolding convolution
/// (Convolution.swift). Measured on 20 maps 32 → 32 channels of 10×10 (the FiLM model's body at
/// batch 1), 2 cores, alternating: 229–245 µs against 396–403 µs by im2col and sgemm; 64 maps
/// 623–626 against 1,186–1,192 µs.
enum WinogradConvolution {
    /// Whether `conv2d` runs this layer's forward pass here: a 3×3 kernel, stride 1, no dilation,
    /// one group, and enough channels on both sides for the 16 products to be worth their
    /// transforms.
    static func applies(_ g: ConvolutionGeometry, outChannels: Int, groups: Int) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
            && g.dilationHeight == 1 && g.dilationWidth == 1 && groups == 1
            && g.channels >= minimumChannels && outChannels >= minimumChannels
    }

    /// Below this many input or output channels the direct convolution stays.
    static let minimumChannels = 16

    /// Tiles per block of matrix products: the block's transformed input and products, 16 · (in +
    /// out) · tiles floats, stay within a core's L2 cache for 32 channels.
    static let tilesPerBlock = 128

    /// Floats between consecutive positions' matrices beyond their size (see `forward`).
    static let skew = 32

    /// `input` [N, C, H, W] with `weight` [O, C, 3, 3] (and `bias` [O]) into `out` [N, O, Ho, Wo].
    static func forward(_ input: UnsafePointer<Float>, weight: Tensor, bias: UnsafePointer<Float>?,
                        into out: UnsafeMutablePointer<Float>, geometry g: ConvolutionGeometry) {
        let outChannels = weight.shape[0], channels = g.channels
        let transformed = transformedWeights(weight)
        let tileRows = (g.outputHeight + 1) / 2, tileColumns = (g.outputWidth + 1) / 2
        let tilesPerImage = tileRows * tileColumns
        let imagesPerBlock = Swift.max(1, tilesPerBlock / tilesPerImage)
        // The input plane with its padding, extended to whole tiles: 2·tiles + 2 in each direction.
        let paddedHeight = 2 * tileRows + 2, paddedWidth = 2 * tileColumns + 2
        let u = transformed.pointer
        BLAS.parallelChunks(count: g.batch) { images in
            // The products run on 16 tiles at a time: a block's tiles are rounded up to 16, and
            // the columns past its last tile are zeroed (below) before each block.
            let capacity = (Swift.min(imagesPerBlock, images.count) * tilesPerImage + 15) / 16 * 16
            // The 16 positions' matrices lie 32 floats more than their size apart: at a multiple
            // of 4 KB apart the transforms' 16 streams of stores and loads fall into the same
            // cache sets (measured: input transform at 110 cycles per tile instead of ~20).
            let inputStride = channels * capacity + skew, productStride = outChannels * capacity + skew
            let inputScratch = Tensor(uninitializedShape: [16 * inputStride])
            let productScratch = Tensor(uninitializedShape: [16 * productStride])
            let paddedScratch = Tensor.zeros([paddedHeight * paddedWidth])
            let v = inputScratch.storage.pointer, m = productScratch.storage.pointer, padded = paddedScratch.storage.pointer
            var first = images.lowerBound
            while first < images.upperBound {
                let last = Swift.min(first + imagesPerBlock, images.upperBound)
                let used = (last - first) * tilesPerImage, tiles = (used + 15) / 16 * 16
                if tiles > used {
                    for position in 0..<16 {
                        for c in 0..<channels { (v + position * inputStride + c * tiles + used).update(repeating: 0, count: tiles - used) }
                    }
                }
                for n in first..<last {
                    for c in 0..<channels {
                        pad(input + (n * channels + c) * g.inputPlane, into: padded, geometry: g, paddedWidth: paddedWidth)
                        fk_winograd_input(padded, paddedWidth, tileRows, tileColumns,
                                          v + c * tiles + (n - first) * tilesPerImage, inputStride)
                    }
                }
                fk_winograd_products(u, v, inputStride, m, productStride, outChannels, channels, tiles)
                for n in first..<last {
                    for o in 0..<outChannels {
                        fk_winograd_output(m + o * tiles + (n - first) * tilesPerImage, productStride, bias?[o] ?? 0,
                                           out + (n * outChannels + o) * g.outputPlane, g.outputHeight, g.outputWidth,
                                           tileColumns)
                    }
                }
                first = last
            }
        }
        withExtendedLifetime(transformed) {}
    }

    /// The input gradient of a "same" layer (padding 1) is itself such a convolution of the
    /// output gradient (see ConvolutionInputGradient.swift), with this weight: [in, out, 3, 3],
    /// W'[c, o, a, b] = W[o, c, 2 − a, 2 − b] (channel axes swapped, taps turned half a circle).
    static func adjointWeights(_ weight: Tensor) -> Tensor {
        let (outChannels, channels) = (weight.shape[0], weight.shape[1])
        let result = Tensor(uninitializedShape: [channels, outChannels, 3, 3])
        let w = weight.pointer, target = result.storage.pointer
        for o in 0..<outChannels {
            for c in 0..<channels {
                let from = w + (o * channels + c) * 9, to = target + (c * outChannels + o) * 9
                for tap in 0..<9 { to[tap] = from[8 - tap] }
            }
        }
        withExtendedLifetime(weight) {}
        return result
    }

    /// U = G g Gᵀ for every (output, input) channel pair, as 16 matrices [O, C]: U[ξ][o][c].
    static func transformedWeights(_ weight: Tensor) -> Tensor {
        let (outChannels, channels) = (weight.shape[0], weight.shape[1])
        let pairs = outChannels * channels
        let result = Tensor(uninitializedShape: [16, outChannels, channels])
        // Pair by pair into [pair][16], then transposed into [16][pair]: both passes write in order.
        let blocks = Tensor(uninitializedShape: [pairs, 16])
        let w = weight.pointer, t = blocks.storage.pointer, u = result.storage.pointer
        // Pairs are independent: shared out among cores (a 2048 × 512 layer holds a million).
        Parallel.forEachChunk(count: pairs, minimumChunk: 16384) { range in for pair in range {
            let g = w + pair * 9, target = t + pair * 16
            // One row of 3 (of g, then of G·g) becomes 4: (r0, ½(r0 + r1 + r2), ½(r0 − r1 + r2), r2).
            func expand(_ r0: Float, _ r1: Float, _ r2: Float) -> (Float, Float, Float, Float) {
                (r0, 0.5 * (r0 + r1 + r2), 0.5 * (r0 - r1 + r2), r2)
            }
            // G·g column by column: a 4×3 block.
            let c0 = expand(g[0], g[3], g[6]), c1 = expand(g[1], g[4], g[7]), c2 = expand(g[2], g[5], g[8])
            // (G·g)·Gᵀ row by row.
            let rows = (expand(c0.0, c1.0, c2.0), expand(c0.1, c1.1, c2.1), expand(c0.2, c1.2, c2.2), expand(c0.3, c1.3, c2.3))
            (target[0], target[1], target[2], target[3]) = rows.0
            (target[4], target[5], target[6], target[7]) = rows.1
            (target[8], target[9], target[10], target[11]) = rows.2
            (target[12], target[13], target[14], target[15]) = rows.3
        } }
        Parallel.forEachChunk(count: pairs, minimumChunk: 16384) { range in
            for position in 0..<16 {
                let line = u + position * pairs
                for pair in range { line[pair] = t[pair * 16 + position] }
            }
        }
        withExtendedLifetime(blocks) {}
        withExtendedLifetime(weight) {}
        return result
    }

    /// Copies one input plane into the zeroed padded plane at (paddingHeight, paddingWidth); the
    /// border stays zero from the buffer's creation, as every plane writes the same positions.
    /// The padded plane, 2·⌈Ho/2⌉ + 2 = H + 2·padding (+ 1 for an odd output) on each side, always
    /// holds the whole input.
    static func pad(_ plane: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>, geometry g: ConvolutionGeometry,
                    paddedWidth: Int) {
        for row in 0..<g.height {
            (padded + (row + g.paddingHeight) * paddedWidth + g.paddingWidth).update(from: plane + row * g.width, count: g.width)
        }
    }
}
