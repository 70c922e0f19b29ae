/// 2-D convolution (cross-correlation, as PyTorch) on NCHW tensors, as one graph node.
///
/// Each group is one GEMM over the whole batch: W_g [out/g, in/g·kh·kw] × columns
/// [in/g·kh·kw, N·Ho·Wo] (see `Unfold.im2col`), followed by one reordering of the result into
/// NCHW. Backward: dW_g = dY_g · columnsᵀ and dColumns = W_gᵀ · dY_g (two GEMMs, run side by
/// side), then col2im adds dColumns back onto dX; the bias gradient sums dY over N, H and W.
/// A 1×1 convolution with stride 1 and no padding skips the unfolding: it is W [out, in] times
/// each image's [in, H·W] plane, a plain batched matrix product.
extension Tensor {
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        precondition(weight.rank == 4, "conv2d: weight must be [out, in/groups, kh, kw], got \(weight.shape)")
        precondition(rank == 4, "conv2d: input must be NCHW, got \(shape)")
        let outChannels = weight.shape[0]
        precondition(groups > 0 && shape[1] % groups == 0 && outChannels % groups == 0 && weight.shape[1] * groups == shape[1],
                     "conv2d: input \(shape) and weight \(weight.shape) do not match with \(groups) group(s)")
        if let bias { precondition(bias.shape == [outChannels], "conv2d: bias \(bias.shape) for \(outChannels) output channels") }
        let g = ConvolutionGeometry(input: shape, kernel: (weight.shape[2], weight.shape[3]), stride: stride,
                                    padding: padding, dilation: dilation, op: "conv2d")
        if g.kernelArea == 1 && stride == (1, 1) && padding == (0, 0) && groups == 1 {
            let product = weight.reshaped([outChannels, g.channels])
                .matmul(reshaped([g.batch, g.channels, g.inputPlane]))
                .reshaped([g.batch, outChannels, g.height, g.width])
            return bias.map { product + $0.reshaped([outChannels, 1, 1]) } ?? product
        }
        let groupIn = g.channels / groups, groupOut = outChannels / groups
        let rows = groupIn * g.kernelArea, columnsCount = g.batch * g.outputPlane
        // columns[group] and the product [out, N·Ho·Wo], kept for backward.
        let columns = (0..<groups).map { group -> Tensor in
            let matrix = Tensor(uninitializedShape: [rows, columnsCount])
            Unfold.im2col(pointer, matrix.storage.pointer, g, firstChannel: group * groupIn, channels: groupIn)
            return matrix
        }
        let product = Tensor(uninitializedShape: [outChannels, columnsCount])
        for group in 0..<groups {
            Tensor.gemm(weight.pointer + group * groupOut * rows, columns[group].pointer,
                        product.storage.pointer + group * groupOut * columnsCount,
                        m: groupOut, n: columnsCount, k: rows, transposeA: false, transposeB: false)
        }
        var output = withoutGradient { product.reshaped([outChannels, g.batch, g.outputPlane]).permuted([1, 0, 2]) }
        if let bias {
            let out = output.storage.pointer
            for n in 0..<g.batch {
                for o in 0..<outChannels {
                    let value = bias.pointer[o]
                    let plane = out + (n * outChannels + o) * g.outputPlane
                    for i in 0..<g.outputPlane { plane[i] += value }
                }
            }
        }
        output = output.withShape([g.batch, outChannels, g.outputHeight, g.outputWidth])
        let input = self
        guard Autograd.shouldRecord(input, weight) || bias.map(Autograd.shouldRecord) == true else { return output }
        return output.recorded("conv2d", inputs: [input, weight, bias ?? Tensor(0)]) { gradient in
            // dY as [out, N·Ho·Wo], the layout of the forward product.
            let dY = gradient.reshaped([g.batch, outChannels, g.outputPlane]).permuted([1, 0, 2])
            var gradientOfWeight: Tensor?, gradientOfInput: Tensor?
            Tensor.bothProducts(
                weight.requiresGradient ? {
                    let result = Tensor(uninitializedShape: weight.shape)
                    for group in 0..<groups {
                        Tensor.gemm(dY.pointer + group * groupOut * columnsCount, columns[group].pointer,
                                    result.storage.pointer + group * groupOut * rows,
                                    m: groupOut, n: rows, k: columnsCount, transposeA: false, transposeB: true)
                    }
                    gradientOfWeight = result
                } : nil,
                input.requiresGradient ? {
                    var result = Tensor.zeros(input.shape)
                    let dColumns = Tensor(uninitializedShape: [rows, columnsCount])
                    result.withUnsafeMutablePointer { target in
                        for group in 0..<groups {
                            Tensor.gemm(weight.pointer + group * groupOut * rows, dY.pointer + group * groupOut * columnsCount,
                                        dColumns.storage.pointer, m: rows, n: columnsCount, k: groupOut,
                                        transposeA: true, transposeB: false)
                            Unfold.col2im(dColumns.pointer, target, g, firstChannel: group * groupIn, channels: groupIn)
                        }
                    }
                    gradientOfInput = result
                } : nil,
                operations: outChannels * rows * columnsCount)
            let gradientOfBias = bias?.requiresGradient == true ? gradient.sum(alongAxes: [0, 2, 3]) : nil
            return [gradientOfInput, gradientOfWeight, gradientOfBias]
        }
    }
}
