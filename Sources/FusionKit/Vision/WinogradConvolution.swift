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
/// (UnfoldedConvolution.swift). Its speed against the unfolding: Docs/Benchmarks.md, "Winograd
/// 3×3 convolutions, 1×1 bias in the GEMM".
enum WinogradConvolution {
    /// Whether `conv2d` runs this layer's forward pass here (`Tensor.convolutionPath`): a 3×3
    /// kernel, stride 1, no dilation, one group, and enough channels on both sides for the 16
    /// products to be worth their transforms.
    static func applies(_ g: ConvolutionGeometry, outChannels: Int, groups: Int) -> Bool {
        Tensor.convolutionPath(g, outChannels: outChannels, groups: groups) == .winograd
    }

    /// Below this many input or output channels the direct convolution stays.
    static let minimumChannels = 16

    /// Tiles per block of matrix products: the block's transformed input and products, 16 · (in +
    /// out) · tiles floats, stay within a core's L2 cache for 32 channels.
    static let tilesPerBlock = 128

    /// Floats between consecutive positions' matrices beyond their size (see `forward`).
    static let skew = 32

    /// `input` [N, C, H, W] with `weight` [O, C, 3, 3] (and `bias` [O]) into `out` [N, O, Ho, Wo].
    /// `transformed` is `transformedWeights(weight)` when the caller keeps it (see
    /// `Conv2d`); nil transforms the weight here. `epilogue`: whether to clamp at zero and the
    /// residual [N, O, Ho, Wo] to add, applied to each output plane as it is written
    /// (ConvolutionEpilogue.swift).
    static func forward(_ input: UnsafePointer<Float>, weight: Tensor, transformed: Tensor? = nil, bias: UnsafePointer<Float>?,
                        into out: UnsafeMutablePointer<Float>, geometry g: ConvolutionGeometry,
                        epilogue: (relu: Bool, residual: UnsafePointer<Float>?)? = nil) {
        let outChannels = weight.shape[0]
        let transformed = transformed ?? transformedWeights(weight)
        precondition(transformed.shape == [16, outChannels, g.channels],
                     "Winograd conv2d: transformed weight \(transformed.shape) for weight \(weight.shape)")
        let plan = Plan(g, outChannels: outChannels)
        let eachImage = sharesEachImage(g, outChannels: outChannels)
        KernelPathLog.record("winograd sharing", eachImage ? "eachImage" : "images")
        transformed.withPointer { u in
            if eachImage {
                // Fewer images than cores: each image's three steps are shared among the cores
                // instead (input channels, positions, output channels), one image at a time.
                let block = Block(plan, images: 1)
                for n in 0..<g.batch {
                    Parallel.forEachChunk(count: g.channels, minimumChunk: 1) { channels in
                        block.transformInput(input, images: n..<n + 1, channels: channels)
                    }
                    Parallel.forEachChunk(count: 16, minimumChunk: 1) { positions in
                        block.multiply(u, positions: positions, images: n..<n + 1)
                    }
                    Parallel.forEachChunk(count: outChannels, minimumChunk: 1) { channels in
                        block.transformOutput(into: out, bias: bias, images: n..<n + 1, outChannels: channels, epilogue: epilogue)
                    }
                }
            } else {
                BLAS.parallelChunks(count: g.batch) { images in
                    let block = Block(plan, images: Swift.min(plan.imagesPerBlock, images.count))
                    var first = images.lowerBound
                    while first < images.upperBound {
                        let last = Swift.min(first + plan.imagesPerBlock, images.upperBound)
                        block.transformInput(input, images: first..<last, channels: 0..<g.channels)
                        block.multiply(u, positions: 0..<16, images: first..<last)
                        block.transformOutput(into: out, bias: bias, images: first..<last, outChannels: 0..<outChannels,
                                              epilogue: epilogue)
                        first = last
                    }
                }
            }
        }
    }

    /// Whether `forward` shares the steps of each image among the cores rather than the images:
    /// when there are fewer images than cores and an image's products are large enough to pay
    /// for waking the other cores three times (`Tuning.winogradSharedImageProducts`).
    static func sharesEachImage(_ g: ConvolutionGeometry, outChannels: Int) -> Bool {
        let cores = Parallel.threadCount
        let plan = Plan(g, outChannels: outChannels)
        return cores > 1 && g.batch < cores
            && 16 * plan.tilesPerImage * g.channels * outChannels >= Tuning.winogradSharedImageProducts
    }

    /// The tiling of one layer's planes.
    struct Plan {
        let geometry: ConvolutionGeometry, outChannels: Int
        let tileRows: Int, tileColumns: Int, tilesPerImage: Int, imagesPerBlock: Int
        /// The input plane with its padding, extended to whole tiles: 2·tiles + 2 in each direction.
        let paddedHeight: Int, paddedWidth: Int

        init(_ g: ConvolutionGeometry, outChannels: Int) {
            geometry = g
            self.outChannels = outChannels
            tileRows = (g.outputHeight + 1) / 2
            tileColumns = (g.outputWidth + 1) / 2
            tilesPerImage = tileRows * tileColumns
            imagesPerBlock = Swift.max(1, tilesPerBlock / tilesPerImage)
            paddedHeight = 2 * tileRows + 2
            paddedWidth = 2 * tileColumns + 2
        }
    }

    /// The scratch of one block of up to `images` images: their transformed input V and the
    /// products M, 16 positions each. Every step writes a disjoint part (its channels or
    /// positions), so cores may run one step on different ranges of the same block.
    struct Block {
        let plan: Plan
        /// Tiles per position: the block's tiles rounded up to 16 (the products' width).
        let capacity: Int
        /// The 16 positions' matrices lie 32 floats more than their size apart: at a multiple of
        /// 4 KB apart the transforms' 16 streams of stores and loads fall into the same cache sets
        /// (input transform at 110 cycles per tile instead of ~20).
        let inputStride: Int, productStride: Int
        /// Scratch created with the block and never handed out, so written through
        /// `withFreshPointer` (each step into its own disjoint part).
        let inputs: Tensor, products: Tensor

        init(_ plan: Plan, images: Int) {
            self.plan = plan
            capacity = (images * plan.tilesPerImage + 15) / 16 * 16
            inputStride = plan.geometry.channels * capacity + skew
            productStride = plan.outChannels * capacity + skew
            inputs = Tensor(uninitializedShape: [16 * inputStride])
            products = Tensor(uninitializedShape: [16 * productStride])
        }

        /// Tiles the products run on for `images` consecutive images: rounded up to 16.
        func tiles(_ images: Range<Int>) -> Int { (images.count * plan.tilesPerImage + 15) / 16 * 16 }

        /// V for `channels` of `images` (the block's first image is images.lowerBound); the
        /// columns past the last tile are zeroed.
        func transformInput(_ input: UnsafePointer<Float>, images: Range<Int>, channels: Range<Int>) {
            let g = plan.geometry
            let used = images.count * plan.tilesPerImage, tiles = tiles(images)
            // The border stays zero from the buffer's creation, as every plane writes the same positions.
            let paddedScratch = Tensor.zeros([plan.paddedHeight * plan.paddedWidth])
            withFreshPointers(inputs, paddedScratch) { v, padded in
                if tiles > used {
                    for position in 0..<16 {
                        for c in channels { (v + position * inputStride + c * tiles + used).update(repeating: 0, count: tiles - used) }
                    }
                }
                for n in images {
                    for c in channels {
                        pad(input + (n * g.channels + c) * g.inputPlane, into: padded, geometry: g, paddedWidth: plan.paddedWidth)
                        fk_winograd_input(padded, plan.paddedWidth, plan.tileRows, plan.tileColumns,
                                          v + c * tiles + (n - images.lowerBound) * plan.tilesPerImage, inputStride)
                    }
                }
            }
        }

        /// M_ξ = U_ξ·V_ξ for `positions` over the tiles of `images` (as transformed last).
        func multiply(_ u: UnsafePointer<Float>, positions: Range<Int>, images: Range<Int>) {
            let first = positions.lowerBound, pairs = plan.outChannels * plan.geometry.channels
            BLAS.recordProducts(m: plan.outChannels, n: tiles(images), k: plan.geometry.channels, count: positions.count)
            inputs.withPointer { v in
                products.withFreshPointer { m in
                    fk_winograd_products(u + first * pairs, v + first * inputStride, inputStride, m + first * productStride,
                                         productStride, plan.outChannels, plan.geometry.channels, tiles(images), positions.count)
                }
            }
        }

        /// Y = Aᵀ M A + bias for `outChannels` of `images` into the NCHW output, then the
        /// epilogue on each plane while it is in the cache.
        func transformOutput(into out: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, images: Range<Int>,
                             outChannels: Range<Int>, epilogue: (relu: Bool, residual: UnsafePointer<Float>?)?) {
            let g = plan.geometry, tiles = tiles(images)
            products.withPointer { m in
                for n in images {
                    for o in outChannels {
                        let offset = (n * plan.outChannels + o) * g.outputPlane
                        fk_winograd_output(m + o * tiles + (n - images.lowerBound) * plan.tilesPerImage, productStride, bias?[o] ?? 0,
                                           out + offset, g.outputHeight, g.outputWidth, plan.tileColumns)
                        if let epilogue {
                            fk_epilogue(out + offset, epilogue.residual.map { $0 + offset }, g.outputPlane, epilogue.relu ? 1 : 0)
                        }
                    }
                }
            }
        }
    }

    /// The input gradient of a "same" layer (padding 1) is itself such a convolution of the
    /// output gradient (see ConvolutionInputGradient.swift), with this weight: [in, out, 3, 3],
    /// W'[c, o, a, b] = W[o, c, 2 − a, 2 − b] (channel axes swapped, taps turned half a circle).
    static func adjointWeights(_ weight: Tensor) -> Tensor {
        let (outChannels, channels) = (weight.shape[0], weight.shape[1])
        let result = Tensor(uninitializedShape: [channels, outChannels, 3, 3])
        weight.withPointer { w in
            result.withFreshPointer { target in
                for o in 0..<outChannels {
                    for c in 0..<channels {
                        let from = w + (o * channels + c) * 9, to = target + (c * outChannels + o) * 9
                        for tap in 0..<9 { to[tap] = from[8 - tap] }
                    }
                }
            }
        }
        return result
    }

    /// U = G g Gᵀ for every (output, input) channel pair, as 16 matrices [O, C]: U[ξ][o][c].
    static func transformedWeights(_ weight: Tensor) -> Tensor {
        let (outChannels, channels) = (weight.shape[0], weight.shape[1])
        let pairs = outChannels * channels
        let result = Tensor(uninitializedShape: [16, outChannels, channels])
        // Pair by pair into [pair][16], then transposed into [16][pair]: both passes write in order.
        let blocks = Tensor(uninitializedShape: [pairs, 16])
        weight.withPointer { w in
            withFreshPointers(blocks, result) { t, u in
                // Pairs are independent: shared out among cores (a 2048 × 512 layer holds a million).
                Parallel.forEachChunk(count: pairs, minimumChunk: Tuning.parallelArithmeticElements) { range in for pair in range {
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
                Parallel.forEachChunk(count: pairs, minimumChunk: Tuning.parallelArithmeticElements) { range in
                    for position in 0..<16 {
                        let line = u + position * pairs
                        for pair in range { line[pair] = t[pair * 16 + position] }
                    }
                }
            }
        }
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
