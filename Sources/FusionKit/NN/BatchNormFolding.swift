/// A convolution followed by batch norm in evaluation mode, computed as one convolution. The
/// norm of z = W∗x + b is an affine map per output channel, so it folds into the weight and bias:
///
///     W'[o] = W[o]·s_o,   b'_o = b_o·s_o + (β_o − μ_o·s_o),   s_o = γ_o / √(σ²_o + ε)
///
/// (as ONNX Runtime and PyTorch's `fuse_conv_bn_eval` do for inference). The folded weight and
/// the forms of it the convolution path needs (Winograd's transform) are computed once and kept
/// until any of the six tensors they come from changes (their `version`s). An optional residual
/// and ReLU run in the convolution's own passes (`ConvolutionEpilogue`).
///
/// It folds only when nothing would record a gradient and the norm is in evaluation mode;
/// otherwise it runs the two layers as they are, then `+ residual` and `relu()`. Either way the
/// result is the same up to rounding; the layers keep their own keys (this holds no parameters).
public final class BatchNormFolding: @unchecked Sendable {
    public let convolution: Conv2d
    public let norm: BatchNorm2d

    private struct Folded {
        let stamp: [Int]
        let weight: Tensor, bias: Tensor
        var kept: [String: Tensor] = [:]
    }
    private let folded = Locked<Folded?>(nil)

    public init(_ convolution: Conv2d, _ norm: BatchNorm2d) {
        precondition(convolution.weight.shape[0] == norm.features,
                     "BatchNormFolding: convolution with \(convolution.weight.shape[0]) output channels, norm of \(norm.features)")
        self.convolution = convolution
        self.norm = norm
    }

    /// Whether a call with this input and residual runs folded.
    public func folds(_ input: Tensor, residual: Tensor? = nil) -> Bool {
        let tensors = [input, convolution.weight.value, convolution.bias?.value, norm.weight?.value, norm.bias?.value, residual]
        return !norm.isTraining && !Autograd.shouldRecord(tensors.compactMap { $0 })
    }

    /// relu(norm(convolution(input)) + residual), the residual and the ReLU optional.
    public func callAsFunction(_ input: Tensor, residual: Tensor? = nil, relu: Bool = false) -> Tensor {
        let epilogue = ConvolutionEpilogue(residual: residual, relu: relu)
        guard folds(input, residual: residual) else {
            return epilogue.composed(norm(convolution(input)))
        }
        let c = convolution
        let (weight, bias) = foldedWeightAndBias()
        return input.conv2d(weight: weight, bias: bias, stride: c.stride, padding: c.padding, dilation: c.dilation,
                            groups: c.groups, keptWeight: { [self] key, make in kept(key, make) }, epilogue: epilogue)
    }

    /// The versions of everything the fold reads.
    private var stamp: [Int] {
        [convolution.weight.version, convolution.bias?.version ?? -1, norm.weight?.version ?? -1, norm.bias?.version ?? -1,
         norm.runningMean.version, norm.runningVar.version]
    }

    /// W' and b', folded again when a version changed.
    func foldedWeightAndBias() -> (Tensor, Tensor) {
        let stamp = stamp
        return folded.withLock { folded in
            if let kept = folded, kept.stamp == stamp { return (kept.weight, kept.bias) }
            let (factors, shifts) = norm.evaluationAffine
            let weight = withoutGradient { convolution.weight.value.detached() }
            let out = weight.shape[0], perChannel = weight.count / Swift.max(out, 1)
            var values = weight.scalars
            for o in 0..<out {
                for i in o * perChannel..<(o + 1) * perChannel { values[i] *= factors[o] }
            }
            let biases = convolution.bias?.value.scalars
            let shifted = (0..<out).map { (biases?[$0] ?? 0) * factors[$0] + shifts[$0] }
            let made = Folded(stamp: stamp, weight: Tensor(values, shape: weight.shape), bias: Tensor(shifted, shape: [out]))
            folded = made
            return (made.weight, made.bias)
        }
    }

    /// A form of W' (see `Tensor.KeptWeight`), kept with it.
    private func kept(_ key: String, _ make: (Tensor) -> Tensor) -> Tensor {
        let (weight, _) = foldedWeightAndBias()
        return folded.withLock { folded in
            if let form = folded?.kept[key], folded?.weight.storage === weight.storage { return form }
            let form = withoutGradient { make(weight) }
            if folded?.weight.storage === weight.storage { folded?.kept[key] = form }
            return form
        }
    }
}

