/// The kernels `conv2d` can compute a layer with. All give the same output and gradients (up to
/// float rounding); they differ in how they walk the taps. The choice is a pure function of the
/// layer's geometry (`Tensor.convolutionPath`); tests force each path
/// (`Tensor.$forcedConvolutionPath`) and compare it with `.reference`.
public enum ConvolutionPath: String, CaseIterable, Sendable {
    /// Direct sums over every tap, forward and backward (ReferenceConvolution.swift): the plain
    /// definition every other path is tested against. Slow; never chosen.
    case reference
    /// 1×1, stride 1, no padding, one group: one matrix product per image, the bias added by its stores
    /// (PointwiseConvolution.swift); backward is the matrix product's.
    case pointwise
    /// Any layer: each image's input unfolded into columns (im2col), one GEMM per image and group
    /// (UnfoldedConvolution.swift). Backward from the columns again, the input gradient by col2im
    /// or, for stride-1 "same" layers, as a convolution of the output gradient.
    case unfolded
    /// 3×3, stride 1, no dilation, one group: Winograd F(2×2, 3×3) forward
    /// (WinogradConvolution.swift); backward as `.unfolded`, except that the input gradient of a
    /// "same" layer is a Winograd convolution too.
    case winograd

    /// Whether this path can compute a layer of this geometry (every path but the general ones
    /// has a shape it needs).
    func computes(_ g: ConvolutionGeometry, outChannels: Int, groups: Int) -> Bool {
        switch self {
        case .reference, .unfolded: return true
        case .pointwise: return ConvolutionPath.isPointwise(g, groups: groups)
        case .winograd:
            return g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
                && g.dilationHeight == 1 && g.dilationWidth == 1 && groups == 1
        }
    }

    static func isPointwise(_ g: ConvolutionGeometry, groups: Int) -> Bool {
        g.kernelArea == 1 && g.strideHeight == 1 && g.strideWidth == 1 && g.paddingHeight == 0 && g.paddingWidth == 0
            && groups == 1
    }
}

/// How `.unfolded` and `.winograd` compute the input gradient; the geometry decides (see
/// `ConvolutionPath.inputGradient`). Recorded in `KernelPathLog` under "conv2d input gradient".
enum ConvolutionInputGradientPath: String, CaseIterable, Sendable {
    /// dColumns = Wᵀ·dY per image and group, added back onto dX by col2im.
    case col2im
    /// Stride-1 "same" layers: dX is a convolution of dY (ConvolutionInputGradient.swift), one
    /// GEMM per image and group straight into dX.
    case sameConvolution
    /// That convolution by Winograd, for `.winograd` layers.
    case winograd
}

extension ConvolutionPath {
    /// The input-gradient method of this path for a layer of this geometry (nil for the paths
    /// with a backward of their own).
    func inputGradient(_ g: ConvolutionGeometry) -> ConvolutionInputGradientPath? {
        switch self {
        case .reference, .pointwise: return nil
        case .unfolded: return g.inputGradientIsSameConvolution ? .sameConvolution : .col2im
        case .winograd: return g.inputGradientIsSameConvolution ? .winograd : .col2im
        }
    }
}

extension Tensor {
    /// The path `conv2d` runs for a layer: pure, so tests can check the choice. 1×1 layers
    /// without stride or padding are a matrix product; 3×3 stride-1 layers with enough channels
    /// on both sides (`WinogradConvolution.minimumChannels`) go by Winograd; the rest unfold.
    public static func convolutionPath(input shape: [Int], weight: [Int], stride: (Int, Int), padding: (Int, Int),
                                       dilation: (Int, Int), groups: Int) -> ConvolutionPath {
        let g = ConvolutionGeometry(input: shape, kernel: (weight[2], weight[3]), stride: stride, padding: padding,
                                    dilation: dilation, op: "conv2d")
        return convolutionPath(g, outChannels: weight[0], groups: groups)
    }

    static func convolutionPath(_ g: ConvolutionGeometry, outChannels: Int, groups: Int) -> ConvolutionPath {
        if ConvolutionPath.isPointwise(g, groups: groups) { return .pointwise }
        if ConvolutionPath.winograd.computes(g, outChannels: outChannels, groups: groups)
            && g.channels >= WinogradConvolution.minimumChannels && outChannels >= WinogradConvolution.minimumChannels {
            return .winograd
        }
        return .unfolded
    }

    /// A path to run instead of the chosen one, for tests and benchmarks comparing paths
    /// (`Tensor.$forcedConvolutionPath.withValue(.reference) { ... }`). Forcing a path on a layer
    /// it cannot compute (`.pointwise` on a 3×3 layer) stops with a message naming both.
    @TaskLocal public static var forcedConvolutionPath: ConvolutionPath?
}
