/// A 1×1 convolution with stride 1 and no padding: W [out, in] times each image's [in, H·W]
/// plane, one GEMM per image, whose stores add the bias (and an epilogue's residual and ReLU:
/// `ProductEpilogue`), so they cost no pass of their own over the result.
extension Tensor {
    /// `input` [N, in, P] (P = H·W), `weight` [out, in], `bias` [out] → [N, out, P]; the
    /// `epilogue`, when given, is applied without recording (conv2d records only without one).
    static func pointwiseConvolution(_ input: Tensor, weight: Tensor, bias: Tensor?,
                                     epilogue: ConvolutionEpilogue? = nil) -> Tensor {
        let (batch, channels, plane) = (input.shape[0], input.shape[1], input.shape[2])
        let outChannels = weight.shape[0]
        precondition(weight.shape == [outChannels, channels] && (bias == nil || bias!.shape == [outChannels]),
                     "conv2d (1×1): input \(input.shape), weight \(weight.shape), bias \(bias?.shape ?? []) do not match")
        let result = Tensor(uninitializedShape: [batch, outChannels, plane])
        let residual = epilogue?.residual
        withPointers(input, weight) { source, weights in
            bias.withPointer { biases in residual.withPointer { residuals in
                result.withFreshPointer { out in
                    let shared = Tensor.sharesBatchAmongCores(count: batch, productSize: outChannels * plane * channels)
                    let multiply = { (images: Range<Int>) in
                        for n in images {
                            let image = n * outChannels * plane
                            let finish = ProductEpilogue.ifAny(bias: biases, residual: residuals.map { $0 + image }, residualStride: plane,
                                                         relu: epilogue?.relu ?? false)
                            Tensor.gemm(weights, source + n * channels * plane, out + image, m: outChannels, n: plane, k: channels,
                                        transposeA: false, transposeB: false, epilogue: finish)
                        }
                    }
                    // As the batched matmul: small products one per core, large ones on OpenBLAS's threads.
                    if shared {
                        BLAS.parallelChunks(count: batch, multiply)
                    } else {
                        multiply(0..<batch)
                    }
                }
            } }
        }
        guard epilogue == nil, Autograd.shouldRecord([input, weight] + (bias.map { [$0] } ?? [])) else { return result }
        return result.recorded("conv2d (1×1)", inputs: [input, weight] + (bias.map { [$0] } ?? [])) { gradient in
            // Y_n = W·X_n + b: dX_n = Wᵀ·dY_n, dW = Σ_n dY_n·X_nᵀ, db = Σ over images and positions.
            [input.requiresGradient ? Tensor.matmulGradientOfB(gradient, weight, input, false, false) : nil,
             weight.requiresGradient ? Tensor.matmulGradientOfA(gradient, weight, input, false, false) : nil]
                + (bias.map { [$0.requiresGradient ? gradient.sum(alongAxes: [0, 2]) : nil] } ?? [])
        }
    }
}
