/// `ConvolutionPath.unfolded`, and the backward of `.winograd`: per image and group, one GEMM
/// W_g [out/g, in/g·kh·kw] × columns [in/g·kh·kw, Ho·Wo] (see `Unfold.im2col`; for "same"
/// layers both in tap-major order, the weight reordered once per weight value: `Tensor.KeptWeight`)
/// written straight into the image's NCHW output, the bias added by its stores (`ProductEpilogue`). Images are
/// shared out among the cores, each running single-threaded GEMMs: for the small matrices of a
/// CNN on 75×75 images this beats one batch-wide GEMM split across threads (whose tiny M and K
/// leave OpenBLAS memory-bound). The columns of one image live in a per-core scratch buffer that
/// stays in cache; they are not kept for backward, which unfolds each image again (as PyTorch's
/// own im2col convolution does): keeping them costs kh·kw times the input's memory. Backward, per image: dW_g += dY_g·columnsᵀ
/// (a partial sum per core, added at the end) and the input gradient as
/// `ConvolutionPath.inputGradient` says: dColumns = W_gᵀ·dY_g added back onto dX by col2im, or
/// for stride-1 "same" layers dX as a convolution of dY (ConvolutionInputGradient.swift), by
/// Winograd on `.winograd` layers; the bias gradient sums dY over N, H and W.
enum UnfoldedConvolution {
    /// `path` is `.unfolded` or `.winograd`; for `.winograd` the forward pass runs by Winograd.
    /// `keptWeight` gives the transformed or reordered weight the path multiplies by. An
    /// `epilogue` is applied without recording (conv2d passes one only when nothing records).
    static func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvolutionGeometry, groups: Int,
                       path: ConvolutionPath, keptWeight: Tensor.KeptWeight, epilogue: ConvolutionEpilogue? = nil) -> Tensor {
        let outChannels = weight.shape[0], padding = (g.paddingHeight, g.paddingWidth)
        let winograd = path == .winograd
        let groupIn = g.channels / groups, groupOut = outChannels / groups
        let rows = groupIn * g.kernelArea, plane = g.outputPlane, single = g.oneImage
        let imageSize = g.channels * g.inputPlane
        // Per image and group: its columns [rows, Ho·Wo] in the core's scratch buffer, then one
        // GEMM straight into the image's NCHW output. Images are shared out among cores, each
        // GEMM single-threaded.
        let result = Tensor(uninitializedShape: [g.batch, outChannels, g.outputHeight, g.outputWidth])
        // The weight's columns in the order of the column matrix's rows: (tap, channel) when the
        // unfolding is by phase (see PhaseUnfold.swift), else the weight's own (channel, tap).
        let tapMajor = g.unfoldsByPhase
        // Winograd layers (stride 1) are tap-major only when "same", whose backward does not
        // read the reordered weight (its input gradient is itself a convolution).
        let kernel = tapMajor && !winograd
            ? keptWeight("tapMajor") { $0.reshaped([outChannels, groupIn, g.kernelArea]).permuted([0, 2, 1]) } : weight
        let residual = epilogue?.residual
        withPointers(input, kernel) { source, weights in
            bias.withPointer { biases in residual.withPointer { residuals in
                result.withFreshPointer { out in
                    if winograd {
                        WinogradConvolution.forward(source, weight: weight,
                                                    transformed: keptWeight("winograd", WinogradConvolution.transformedWeights),
                                                    bias: biases, into: out, geometry: g,
                                                    epilogue: epilogue.map { ($0.relu, residuals) })
                    } else {
                        BLAS.parallelChunks(count: g.batch) { images in
                            let columns = Tensor(uninitializedShape: [rows, plane])
                            columns.withFreshPointer { matrix in
                                for n in images {
                                    for group in 0..<groups {
                                        Unfold.im2col(source + n * imageSize, matrix, single, firstChannel: group * groupIn, channels: groupIn)
                                        let block = (n * outChannels + group * groupOut) * plane
                                        let finish = ProductEpilogue.ifAny(bias: biases.map { $0 + group * groupOut },
                                                                           residual: residuals.map { $0 + block },
                                                                           residualStride: plane, relu: epilogue?.relu ?? false)
                                        Tensor.gemm(weights + group * groupOut * rows, matrix, out + block, m: groupOut, n: plane, k: rows,
                                                    transposeA: false, transposeB: false, epilogue: finish)
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
        guard epilogue == nil, Autograd.shouldRecord(input, weight) || bias.map(Autograd.shouldRecord) == true else { return result }
        return result.recorded("conv2d", inputs: [input, weight] + (bias.map { [$0] } ?? [])) { gradient in
            let wantInput = input.requiresGradient, wantWeight = weight.requiresGradient
            // Stride-1 "same" layers: dX is a convolution of dY (see ConvolutionInputGradient.swift),
            // written whole, so it needs no zeroing. On Winograd layers, that convolution is a
            // Winograd one too, run before the loop below.
            let method = path.inputGradient(g)!
            if wantInput { KernelPathLog.record("conv2d input gradient", method.rawValue) }
            let asConvolution = method != .col2im
            let inputByWinograd = wantInput && method == .winograd, inputInLoop = wantInput && !inputByWinograd
            let transposedWeights = inputInLoop && asConvolution ? Unfold.inputGradientWeights(weight, groups: groups) : nil
            let dYRows = groupOut * g.kernelArea
            // Fresh tensors, written by the loops below.
            let gradientOfInput = !wantInput ? nil : asConvolution ? Tensor(uninitializedShape: input.shape) : Tensor.zeros(input.shape)
            let sums = withPointers(gradient, kernel, input) { upstream, weights, source in
                transposedWeights.withPointer { transposed in gradientOfInput.withFreshPointer { inputTarget in
                    if inputByWinograd {
                        let adjoint = WinogradConvolution.adjointWeights(weight)
                        let backwardGeometry = ConvolutionGeometry(input: gradient.shape, kernel: (3, 3), stride: (1, 1),
                                                                   padding: padding, dilation: (1, 1), op: "conv2d backward")
                        WinogradConvolution.forward(upstream, weight: adjoint, bias: nil, into: inputTarget!, geometry: backwardGeometry)
                    }
                    // Each core accumulates its own weight gradient; they are added at the end.
                    // The weight gradient is summed transposed, dWᵀ_g [rows, out/g] += columns · dY_gᵀ:
                    // the column matrix is then the product's A, read where it lies, and only dY_g
                    // (out/g × Ho·Wo) is packed, not the kh·kw times larger columns
                    // (Docs/Benchmarks.md, "conv2d weight gradient summed transposed").
                    return BLAS.parallelPartialSums(count: g.batch) { images in
                        let partial = wantWeight ? Tensor.zeros([groups, rows, groupOut]) : nil
                        let dColumns = Tensor(uninitializedShape: inputInLoop ? [asConvolution ? dYRows : rows, plane] : [1])
                        let columns = Tensor(uninitializedShape: wantWeight ? [rows, plane] : [1])
                        partial.withFreshPointer { partialPointer in withFreshPointers(dColumns, columns) { dColumnsPointer, matrix in
                            for n in images {
                                for group in 0..<groups {
                                    let dY = upstream + (n * outChannels + group * groupOut) * plane
                                    if wantWeight {
                                        Unfold.im2col(source + n * imageSize, matrix, single, firstChannel: group * groupIn, channels: groupIn)
                                        Tensor.gemm(matrix, dY, partialPointer! + group * rows * groupOut, m: rows, n: groupOut, k: plane,
                                                    transposeA: false, transposeB: true, beta: 1)
                                    }
                                    if inputInLoop && asConvolution {
                                        Unfold.inputGradientColumns(upstream + n * outChannels * plane, dColumnsPointer, single,
                                                                    firstChannel: group * groupOut, channels: groupOut)
                                        Tensor.gemm(transposed! + group * groupIn * dYRows, dColumnsPointer,
                                                    inputTarget! + n * imageSize + group * groupIn * g.inputPlane,
                                                    m: groupIn, n: plane, k: dYRows, transposeA: false, transposeB: false)
                                    } else if inputInLoop {
                                        Tensor.gemm(weights + group * groupOut * rows, dY, dColumnsPointer, m: rows, n: plane,
                                                    k: groupOut, transposeA: true, transposeB: false)
                                        Unfold.col2im(dColumnsPointer, inputTarget! + n * imageSize, single,
                                                      firstChannel: group * groupIn, channels: groupIn)
                                    }
                                }
                            }
                        } }
                        return [partial]
                    }
                } }
            }
            // Back from [group, column-matrix row, output] to the weight's [output, channel, tap],
            // the rows being (tap, channel) when unfolded by phase, else (channel, tap).
            let gradientOfWeight = tapMajor
                ? sums[0].map { $0.reshaped([groups, g.kernelArea, groupIn, groupOut]).permuted([0, 3, 2, 1]).reshaped(weight.shape) }
                : sums[0].map { $0.reshaped([groups, groupIn, g.kernelArea, groupOut]).permuted([0, 3, 1, 2]).reshaped(weight.shape) }
            let gradientOfBias = bias?.requiresGradient == true ? gradient.sum(alongAxes: [0, 2, 3]) : nil
            return [gradientOfInput, gradientOfWeight] + (bias == nil ? [] : [gradientOfBias])
        }
    }
}
