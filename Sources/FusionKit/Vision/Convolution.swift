/// 2-D convolution (cross-correlation, as PyTorch) on NCHW tensors, as one graph node.
///
/// Per image and group, one GEMM: W_g [out/g, in/g·kh·kw] × columns [in/g·kh·kw, Ho·Wo] (see
/// `Unfold.im2col`; for "same" layers both in tap-major order, the weight reordered once per
/// call) written straight into the image's NCHW output, with the bias preloaded
/// (β = 1). Images are shared out among the cores, each running single-threaded GEMMs: for the
/// small matrices of a CNN on 75×75 images this beats one batch-wide GEMM split across threads
/// (whose tiny M and K leave OpenBLAS memory-bound). The columns of one image live in a per-core
/// scratch buffer that stays in cache; they are not kept for backward, which unfolds each image
/// again (as PyTorch's own im2col convolution does): keeping them cost kh·kw times the input's
/// memory, 147 MB for one 3×3 layer of the FiLM model. Backward, per image: dW_g += dY_g·columnsᵀ
/// (a partial sum per core, added at the end) and dColumns = W_gᵀ·dY_g, which col2im adds back
/// onto dX, except for stride-1 "same" layers, whose dX is itself a convolution of dY
/// (ConvolutionInputGradient.swift); the bias gradient sums dY over N, H and W.
/// A 1×1 convolution with stride 1 and no padding skips the unfolding: it is W [out, in] times
/// each image's [in, H·W] plane, a plain batched matrix product (with the bias preloaded, see
/// PointwiseConvolution.swift).
extension Tensor {
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
               winogradWeight: nil)
    }

    /// The same; `winogradWeight` returns `WinogradConvolution.transformedWeights(weight)` when
    /// the caller keeps it between calls (`Conv2d` does, per weight value), asked only when the
    /// layer runs by Winograd.
    func conv2d(weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int,
                winogradWeight: (() -> Tensor)?) -> Tensor {
        precondition(weight.rank == 4, "conv2d: weight must be [out, in/groups, kh, kw], got \(weight.shape)")
        precondition(rank == 4, "conv2d: input must be NCHW, got \(shape)")
        let outChannels = weight.shape[0]
        precondition(groups > 0 && shape[1] % groups == 0 && outChannels % groups == 0 && weight.shape[1] * groups == shape[1],
                     "conv2d: input \(shape) and weight \(weight.shape) do not match with \(groups) group(s)")
        if let bias { precondition(bias.shape == [outChannels], "conv2d: bias \(bias.shape) for \(outChannels) output channels") }
        let g = ConvolutionGeometry(input: shape, kernel: (weight.shape[2], weight.shape[3]), stride: stride,
                                    padding: padding, dilation: dilation, op: "conv2d")
        if g.kernelArea == 1 && stride == (1, 1) && padding == (0, 0) && groups == 1 {
            let planes = reshaped([g.batch, g.channels, g.inputPlane]), matrix = weight.reshaped([outChannels, g.channels])
            let product = bias.map { Tensor.pointwiseConvolution(planes, weight: matrix, bias: $0) } ?? matrix.matmul(planes)
            return product.reshaped([g.batch, outChannels, g.height, g.width])
        }
        let groupIn = g.channels / groups, groupOut = outChannels / groups
        let rows = groupIn * g.kernelArea, plane = g.outputPlane, single = g.oneImage
        let imageSize = g.channels * g.inputPlane
        // Per image and group: its columns [rows, Ho·Wo] in the core's scratch buffer, then one
        // GEMM straight into the image's NCHW output. Images are shared out among cores, each
        // GEMM single-threaded.
        let result = Tensor(uninitializedShape: [g.batch, outChannels, g.outputHeight, g.outputWidth])
        let source = pointer, out = result.storage.pointer
        // The weight's columns in the order of the column matrix's rows: (tap, channel) when the
        // unfolding is by phase (see PhaseUnfold.swift), else the weight's own (channel, tap).
        let tapMajor = g.unfoldsByPhase
        // Winograd layers (stride 1) are tap-major only when "same", whose backward does not
        // read the reordered weight (its input gradient is itself a convolution).
        let winograd = WinogradConvolution.applies(g, outChannels: outChannels, groups: groups)
        let kernel = tapMajor && !winograd ? withoutGradient { weight.reshaped([outChannels, groupIn, g.kernelArea]).permuted([0, 2, 1]) } : weight
        let weights = kernel.pointer, biases = bias?.pointer
        if winograd {
            WinogradConvolution.forward(source, weight: weight, transformed: winogradWeight?(), bias: biases, into: out, geometry: g)
        } else {
            BLAS.parallelChunks(count: g.batch) { images in
                let columns = Tensor(uninitializedShape: [rows, plane])
                let matrix = columns.storage.pointer
                for n in images {
                    for group in 0..<groups {
                        Unfold.im2col(source + n * imageSize, matrix, single, firstChannel: group * groupIn, channels: groupIn)
                        let target = out + (n * outChannels + group * groupOut) * plane
                        if let biases {
                            for o in 0..<groupOut { (target + o * plane).initialize(repeating: biases[group * groupOut + o], count: plane) }
                        }
                        Tensor.gemm(weights + group * groupOut * rows, matrix, target, m: groupOut, n: plane, k: rows,
                                    transposeA: false, transposeB: false, beta: biases == nil ? 0 : 1)
                    }
                }
            }
        }
        withExtendedLifetime(kernel) {}
        let input = self
        guard Autograd.shouldRecord(input, weight) || bias.map(Autograd.shouldRecord) == true else { return result }
        return result.recorded("conv2d", inputs: [input, weight, bias ?? Tensor(0)]) { gradient in
            let wantInput = input.requiresGradient, wantWeight = weight.requiresGradient
            let upstream = gradient.pointer, weights = kernel.pointer, source = input.pointer
            // Stride-1 "same" layers: dX is a convolution of dY (see ConvolutionInputGradient.swift),
            // written whole, so it needs no zeroing.
            let asConvolution = g.inputGradientIsSameConvolution
            // On Winograd layers, that convolution is a Winograd one too, run before the loop below.
            let inputByWinograd = wantInput && asConvolution && winograd, inputInLoop = wantInput && !inputByWinograd
            let transposedWeights = inputInLoop && asConvolution ? Unfold.inputGradientWeights(weight, groups: groups) : Tensor(0)
            let dYRows = groupOut * g.kernelArea
            var gradientOfInput = !wantInput ? Tensor(0) : asConvolution ? Tensor(uninitializedShape: input.shape) : Tensor.zeros(input.shape)
            let inputTarget = gradientOfInput.withUnsafeMutablePointer { $0 }
            if inputByWinograd {
                let adjoint = WinogradConvolution.adjointWeights(weight)
                let backwardGeometry = ConvolutionGeometry(input: gradient.shape, kernel: (3, 3), stride: (1, 1),
                                                           padding: padding, dilation: (1, 1), op: "conv2d backward")
                WinogradConvolution.forward(upstream, weight: adjoint, bias: nil, into: inputTarget, geometry: backwardGeometry)
            }
            // Each core accumulates its own weight gradient; they are added at the end.
            let sums = BLAS.parallelPartialSums(count: g.batch) { images in
                var partial = wantWeight ? Tensor.zeros(weight.shape) : Tensor(0)
                let partialPointer = partial.withUnsafeMutablePointer { $0 }
                let dColumns = Tensor(uninitializedShape: inputInLoop ? [asConvolution ? dYRows : rows, plane] : [1])
                let columns = Tensor(uninitializedShape: wantWeight ? [rows, plane] : [1])
                let matrix = columns.storage.pointer
                for n in images {
                    for group in 0..<groups {
                        let dY = upstream + (n * outChannels + group * groupOut) * plane
                        if wantWeight {
                            Unfold.im2col(source + n * imageSize, matrix, single, firstChannel: group * groupIn, channels: groupIn)
                            Tensor.gemm(dY, matrix, partialPointer + group * groupOut * rows, m: groupOut, n: rows, k: plane,
                                        transposeA: false, transposeB: true, beta: 1)
                        }
                        if inputInLoop && asConvolution {
                            Unfold.inputGradientColumns(upstream + n * outChannels * plane, dColumns.storage.pointer, single,
                                                        firstChannel: group * groupOut, channels: groupOut)
                            Tensor.gemm(transposedWeights.pointer + group * groupIn * dYRows, dColumns.storage.pointer,
                                        inputTarget + n * imageSize + group * groupIn * g.inputPlane,
                                        m: groupIn, n: plane, k: dYRows, transposeA: false, transposeB: false)
                        } else if inputInLoop {
                            Tensor.gemm(weights + group * groupOut * rows, dY, dColumns.storage.pointer, m: rows, n: plane,
                                        k: groupOut, transposeA: true, transposeB: false)
                            Unfold.col2im(dColumns.storage.pointer, inputTarget + n * imageSize, single,
                                          firstChannel: group * groupIn, channels: groupIn)
                        }
                    }
                }
                return [wantWeight ? partial : nil]
            }
            // Back from the column matrix's (tap, channel) order to the weight's.
            let gradientOfWeight = tapMajor
                ? sums[0].map { $0.reshaped([outChannels, g.kernelArea, groupIn]).permuted([0, 2, 1]).reshaped(weight.shape) }
                : sums[0]
            let gradientOfBias = bias?.requiresGradient == true ? gradient.sum(alongAxes: [0, 2, 3]) : nil
            return [wantInput ? gradientOfInput : nil, gradientOfWeight, gradientOfBias]
        }
    }
}
