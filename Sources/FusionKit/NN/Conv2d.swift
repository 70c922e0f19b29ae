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
