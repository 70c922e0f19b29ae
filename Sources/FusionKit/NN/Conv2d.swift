/// A 2-D convolution layer, as torch.nn.Conv2d: weight [out, in/groups, kh, kw], bias [out],
/// NCHW input. Initialised as PyTorch: weight and bias from U(−1/√fanIn, 1/√fanIn) with
/// fanIn = in/groups·kh·kw.
public final class Conv2d: Module, UnaryLayer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int

    public init(_ inputChannels: Int, _ outputChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
                generator: inout RandomGenerator) {
        precondition(groups > 0 && inputChannels % groups == 0 && outputChannels % groups == 0,
                     "Conv2d: \(inputChannels) → \(outputChannels) channels do not divide into \(groups) groups")
        let fanIn = inputChannels / groups * kernelSize.0 * kernelSize.1
        let bound = 1 / Float(Swift.max(fanIn, 1)).squareRoot()
        weight = Parameter(Tensor.randomUniform([outputChannels, inputChannels / groups, kernelSize.0, kernelSize.1],
                                                lower: -bound, upper: bound, generator: &generator))
        self.bias = bias ? Parameter(Tensor.randomUniform([outputChannels], lower: -bound, upper: bound, generator: &generator)) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(_ inputChannels: Int, _ outputChannels: Int, kernelSize: (Int, Int),
                            stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1),
                            groups: Int = 1, bias: Bool = true) {
        var generator = Random.splitGenerator()
        self.init(inputChannels, outputChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                  dilation: dilation, groups: groups, bias: bias, generator: &generator)
    }

    /// A square kernel with equal stride, padding and dilation in both directions.
    public convenience init(_ inputChannels: Int, _ outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: inout RandomGenerator) {
        self.init(inputChannels, outputChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: (padding, padding), dilation: (dilation, dilation), groups: groups, bias: bias, generator: &generator)
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(_ inputChannels: Int, _ outputChannels: Int, kernelSize: Int, stride: Int = 1,
                            padding: Int = 0, dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        var generator = Random.splitGenerator()
        self.init(inputChannels, outputChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                  dilation: dilation, groups: groups, bias: bias, generator: &generator)
    }

    /// The forms of the weight a convolution path computes first (Winograd's transform, the
    /// tap-major order of strided layers) are kept until the weight changes: inference computes
    /// them once (see `Parameter.derived`).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let weight = weight
        return input.conv2d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation,
                            groups: groups, keptWeight: { key, make in weight.derived(key, make) })
    }
}

/// Max pooling (torch.nn.MaxPool2d); the stride defaults to the kernel size.
public final class MaxPool2d: Module, UnaryLayer {
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        kernel = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
        super.init()
    }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.maxPool2d(kernel: kernel, stride: stride, padding: padding) }
}

/// Average pooling (torch.nn.AvgPool2d); the stride defaults to the kernel size.
public final class AvgPool2d: Module, UnaryLayer {
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), countIncludePad: Bool
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) {
        kernel = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
        self.countIncludePad = countIncludePad
        super.init()
    }
    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.avgPool2d(kernel: kernel, stride: stride, padding: padding, countIncludePad: countIncludePad)
    }
}

/// Average pooling to a fixed output size; (1, 1) is global average pooling.
public final class AdaptiveAvgPool2d: Module, UnaryLayer {
    public let outputSize: (Int, Int)
    public init(outputSize: (Int, Int) = (1, 1)) { self.outputSize = outputSize; super.init() }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.adaptiveAvgPool2d(outputSize: outputSize) }
}

/// Max pooling to a fixed output size; (1, 1) is global max pooling.
public final class AdaptiveMaxPool2d: Module, UnaryLayer {
    public let outputSize: (Int, Int)
    public init(outputSize: (Int, Int) = (1, 1)) { self.outputSize = outputSize; super.init() }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.adaptiveMaxPool2d(outputSize: outputSize) }
}

/// Resizes NCHW feature maps (torch.nn.Upsample) by integer factors.
public final class Upsample: Module, UnaryLayer {
    public let scale: (Int, Int), mode: Tensor.UpsamplingMode
    public init(scale: Int, mode: Tensor.UpsamplingMode = .nearest) {
        self.scale = (scale, scale)
        self.mode = mode
        super.init()
    }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.upsample(scale: scale, mode: mode) }
}

/// Zeros around the last two dimensions (torch.nn.ZeroPad2d): (left, right, top, bottom).
public final class ZeroPad2d: Module, UnaryLayer {
    public let left: Int, right: Int, top: Int, bottom: Int
    public init(left: Int, right: Int, top: Int, bottom: Int) {
        (self.left, self.right, self.top, self.bottom) = (left, right, top, bottom)
        super.init()
    }
    public convenience init(_ padding: Int) { self.init(left: padding, right: padding, top: padding, bottom: padding) }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.zeroPadded(left: left, right: right, top: top, bottom: bottom) }
}

/// Flattens all dimensions from `startAxis` on (torch.nn.Flatten; by default all but the batch).
public final class Flatten: Module, UnaryLayer {
    public let startAxis: Int
    public init(startAxis: Int = 1) { self.startAxis = startAxis; super.init() }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.flattened(startAxis: startAxis) }
}
