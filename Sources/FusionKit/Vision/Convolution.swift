/// 2-D convolution (cross-correlation, as PyTorch) on NCHW tensors, as one graph node, by the
/// kernel `Tensor.convolutionPath` chooses from the layer's geometry (ConvolutionPath.swift):
/// a matrix product for 1×1 layers, Winograd for 3×3 stride-1 layers with enough channels, an
/// unfolding and GEMMs for the rest; `.reference` computes the definition directly. An
/// `epilogue` adds a residual and clamps at zero in the same passes (ConvolutionEpilogue.swift).
extension Tensor {
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1, epilogue: ConvolutionEpilogue? = nil) -> Tensor {
        conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
               keptWeight: nil, epilogue: epilogue)
    }

    /// A form of the weight a path computes from it before multiplying (Winograd's transformed
    /// weight, the tap-major reordering), kept by the caller between calls under its key:
    /// `keptWeight(key, make)` returns `make(weight)`, computed once per weight value (`Conv2d`
    /// keeps them with `Parameter.derived`). Computed outside the graph.
    typealias KeptWeight = (_ key: String, _ make: (Tensor) -> Tensor) -> Tensor

    /// The same; `keptWeight`, when given, keeps the forms of the weight the chosen path needs.
    func conv2d(weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int,
                keptWeight: KeptWeight?, epilogue: ConvolutionEpilogue? = nil) -> Tensor {
        precondition(weight.rank == 4, "conv2d: weight must be [out, in/groups, kh, kw], got \(weight.shape)")
        precondition(rank == 4, "conv2d: input must be NCHW, got \(shape)")
        let outChannels = weight.shape[0]
        precondition(groups > 0 && shape[1] % groups == 0 && outChannels % groups == 0 && weight.shape[1] * groups == shape[1],
                     "conv2d: input \(shape) and weight \(weight.shape) do not match with \(groups) group(s)")
        if let bias { precondition(bias.shape == [outChannels], "conv2d: bias \(bias.shape) for \(outChannels) output channels") }
        let g = ConvolutionGeometry(input: shape, kernel: (weight.shape[2], weight.shape[3]), stride: stride,
                                    padding: padding, dilation: dilation, op: "conv2d")
        let path = Tensor.forcedConvolutionPath ?? Tensor.convolutionPath(g, outChannels: outChannels, groups: groups)
        precondition(path.computes(g, outChannels: outChannels, groups: groups),
                     "conv2d: path .\(path) cannot compute weight \(weight.shape) with stride \(stride), padding \(padding), "
                     + "dilation \(dilation) and \(groups) group(s)")
        if let epilogue, !epilogue.isEmpty {
            let outputShape = [g.batch, outChannels, g.outputHeight, g.outputWidth]
            if let residual = epilogue.residual {
                precondition(residual.shape == outputShape,
                             "conv2d: residual \(residual.shape) for an output of shape \(outputShape)")
            }
            // The fused kernels write without recording; a gradient needs the graph's own operations.
            if path == .reference || Autograd.shouldRecord([self, weight] + [bias, epilogue.residual].compactMap { $0 }) {
                KernelPathLog.record("conv2d epilogue", "composed")
                return epilogue.composed(conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
                                                groups: groups, keptWeight: keptWeight))
            }
            KernelPathLog.record("conv2d epilogue", "fused")
        }
        let epilogue = epilogue?.isEmpty == false ? epilogue : nil
        KernelPathLog.record("conv2d", path.rawValue)
        switch path {
        case .reference:
            return ReferenceConvolution.conv2d(self, weight: weight, bias: bias, geometry: g, groups: groups)
        case .pointwise:
            let planes = reshaped([g.batch, g.channels, g.inputPlane]), matrix = weight.reshaped([outChannels, g.channels])
            let product = bias != nil || epilogue != nil
                ? Tensor.pointwiseConvolution(planes, weight: matrix, bias: bias, epilogue: epilogue) : matrix.matmul(planes)
            return product.reshaped([g.batch, outChannels, g.height, g.width])
        case .unfolded, .winograd:
            let kept = keptWeight ?? { _, make in withoutGradient { make(weight.detached()) } }
            return UnfoldedConvolution.conv2d(self, weight: weight, bias: bias, geometry: g, groups: groups, path: path,
                                              keptWeight: kept, epilogue: epilogue)
        }
    }
}
