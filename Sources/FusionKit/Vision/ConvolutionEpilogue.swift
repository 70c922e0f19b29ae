/// What `conv2d(…, epilogue:)` does to the output before handing it back: adds a tensor of the
/// output's shape (a residual connection) and clamps at zero,
///
///     y = relu(conv(x, w) + b + residual)
///
/// A ResNet block ends in `(F(x) + x).relu()` and most convolutions feed a ReLU: computed
/// apart, each is one more pass over the output and one more tensor. Fused, the matrix product's
/// stores add the bias and the residual and clamp each block of the output while it is in
/// registers (`ProductEpilogue`), and Winograd's output transform does the same to each plane
/// as it writes it. With a gradient to record, or on the `.reference` path, the same is composed
/// from `+` and `relu()` (`composed`), which the tests compare the fused kernels with.
public struct ConvolutionEpilogue {
    /// Added to the output; the output's shape [N, out, Ho, Wo].
    public var residual: Tensor?
    /// Whether the sum is clamped at zero afterwards (NaN stays NaN, as `relu()`).
    public var relu: Bool

    public init(residual: Tensor? = nil, relu: Bool = false) {
        self.residual = residual
        self.relu = relu
    }

    /// Nothing to do.
    var isEmpty: Bool { residual == nil && !relu }

    /// The plain form: the residual added and the clamp applied by the graph's own operations.
    func composed(_ output: Tensor) -> Tensor {
        var y = output
        if let residual { y = y + residual }
        return relu ? y.relu() : y
    }
}
