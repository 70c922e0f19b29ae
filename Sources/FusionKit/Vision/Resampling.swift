/// Upsampling and zero padding of NCHW tensors.
///
/// Nearest and bilinear upsampling are linear maps applied separably: out = A_h · X · A_wᵀ with
/// small interpolation matrices A_h [Ho, H] and A_w [Wo, W] (PyTorch's source-index rules), so
/// they run as matrix products and their backward is the matrix products' backward.
extension Tensor {
    /// How `upsample` maps output positions to input positions.
    public enum UpsamplingMode: Sendable {
        /// The input cell at ⌊o·in/out⌋.
        case nearest
        /// Linear interpolation in both directions; with `alignCorners` the corner cells of input
        /// and output coincide (PyTorch's align_corners=True), otherwise cell centres are aligned.
        case bilinear(alignCorners: Bool)
    }

    /// The input resized to `size` (height, width).
    public func upsample(size: (Int, Int), mode: UpsamplingMode = .nearest) -> Tensor {
        precondition(rank == 4, "upsample: expected an NCHW input, got \(shape)")
        precondition(size.0 > 0 && size.1 > 0, "upsample: size \(size) must be positive")
        let rows = Tensor.interpolationMatrix(from: shape[2], to: size.0, mode: mode)
        let columns = Tensor.interpolationMatrix(from: shape[3], to: size.1, mode: mode)
        return rows.matmul(matmul(columns, transposeB: true))
    }

    /// The input scaled by integer factors (height, width).
    public func upsample(scale: (Int, Int), mode: UpsamplingMode = .nearest) -> Tensor {
        precondition(rank == 4, "upsample: expected an NCHW input, got \(shape)")
        return upsample(size: (shape[2] * scale.0, shape[3] * scale.1), mode: mode)
    }

    /// [outputSize, inputSize]: row o holds the weights of the input cells output cell o reads.
    static func interpolationMatrix(from inputSize: Int, to outputSize: Int, mode: UpsamplingMode) -> Tensor {
        var weights = [Float](repeating: 0, count: outputSize * inputSize)
        let ratio = Double(inputSize) / Double(outputSize)
        for o in 0..<outputSize {
            switch mode {
            case .nearest:
                weights[o * inputSize + Swift.min(Int((Double(o) * ratio).rounded(.down)), inputSize - 1)] = 1
            case let .bilinear(alignCorners):
                let source: Double
                if alignCorners {
                    source = outputSize > 1 ? Double(o) * Double(inputSize - 1) / Double(outputSize - 1) : 0
                } else {
                    source = Swift.max((Double(o) + 0.5) * ratio - 0.5, 0)
                }
                let low = Swift.min(Int(source.rounded(.down)), inputSize - 1)
                let high = Swift.min(low + 1, inputSize - 1)
                let fraction = Float(source - Double(low))
                weights[o * inputSize + low] += 1 - fraction
                weights[o * inputSize + high] += fraction
            }
        }
        return Tensor(weights, shape: [outputSize, inputSize])
    }

    /// Zeros added around the last two dimensions: (left, right, top, bottom), as ZeroPad2d.
    public func zeroPadded(left: Int, right: Int, top: Int, bottom: Int) -> Tensor {
        precondition(rank >= 2 && left >= 0 && right >= 0 && top >= 0 && bottom >= 0,
                     "zeroPadded: padding (\(left), \(right), \(top), \(bottom)) for shape \(shape)")
        let height = shape[rank - 2], width = shape[rank - 1]
        let newHeight = height + top + bottom, newWidth = width + left + right
        var newShape = shape
        newShape[rank - 2] = newHeight
        newShape[rank - 1] = newWidth
        var result = Tensor.zeros(newShape)
        let planes = count / Swift.max(height * width, 1)
        withPointer { source in
            result.withUnsafeMutablePointer { target in
                for plane in 0..<planes {
                    for r in 0..<height {
                        (target + plane * newHeight * newWidth + (r + top) * newWidth + left)
                            .update(from: source + plane * height * width + r * width, count: width)
                    }
                }
            }
        }
        let original = shape
        return recordUnary("zeroPadded", result) { g in
            g.slice(top..<(top + original[original.count - 2]), alongAxis: -2)
                .slice(left..<(left + original[original.count - 1]), alongAxis: -1)
        }
    }
}
