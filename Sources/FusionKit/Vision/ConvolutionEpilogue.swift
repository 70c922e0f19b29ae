import CFusionKitKernels

/// What `conv2d(…, epilogue:)` does to the output before handing it back: adds a tensor of the
/// output's shape (a residual connection) and clamps at zero,
///
///     y = relu(conv(x, w) + b + residual)
///
/// A ResNet block ends in `(F(x) + x).relu()` and most convolutions feed a ReLU: computed
/// apart, each is one more pass over the output and one more tensor. Fused, the residual is
/// loaded into the output together with the bias before the product adds onto it (β = 1), and
/// the clamp runs over each output plane right after it is written (Winograd's output transform)
/// or over each block of channels right after its product. With a gradient to record, or on the
/// `.reference` path, the same is composed from `+` and `relu()` (`composed`), which the tests
/// compare the fused kernels with.
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

/// The fused epilogue on raw output planes, for the convolution paths.
extension ConvolutionEpilogue {
    /// Channel blocks small enough to run on both cores, large enough to pay for waking them.
    static func parallelChannels(_ count: Int, plane: Int, _ body: (Range<Int>) -> Void) {
        Parallel.forEachChunk(count: count, minimumChunk: Swift.max(1, 16384 / Swift.max(plane, 1)), body)
    }

    /// Before the product: each of `channels` planes of one image's output (`image`, planes of
    /// `plane` floats) set to bias[o] plus the residual's plane (`residual`, offset to the same
    /// image), whichever is given. Returns false when neither is: the product then writes the
    /// planes with β = 0.
    static func preload(_ image: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                        channels: Range<Int>, plane: Int) -> Bool {
        guard residual != nil || bias != nil else { return false }
        parallelChannels(channels.count, plane: plane) { block in
            for o in block.lowerBound + channels.lowerBound..<block.upperBound + channels.lowerBound {
                let target = image + o * plane, value = bias?[o] ?? 0
                if let residual {
                    let source = residual + o * plane
                    if value == 0 { target.update(from: source, count: plane) }
                    else { for i in 0..<plane { target[i] = source[i] + value } }
                } else {
                    target.update(repeating: value, count: plane)
                }
            }
        }
        return true
    }

    /// After the product: the clamp over `channels` planes of one image's output, when asked for.
    func finish(_ image: UnsafeMutablePointer<Float>, channels: Range<Int>, plane: Int) {
        guard relu else { return }
        ConvolutionEpilogue.parallelChannels(channels.count, plane: plane) { block in
            fk_epilogue(image + (channels.lowerBound + block.lowerBound) * plane, nil, block.count * plane, 1)
        }
    }
}
