/// y = x·Wᵀ + b, as torch.nn.Linear: weight [out, in], bias [out], applied to the last axis of
/// an input of any rank. Initialised as PyTorch: W and b from U(−1/√in, 1/√in).
public final class Linear: Module, UnaryLayer {
    public let weight: Parameter
    public let bias: Parameter?

    public init(_ inputFeatures: Int, _ outputFeatures: Int, bias: Bool = true, generator: inout RandomGenerator) {
        let bound = 1 / Float(Swift.max(inputFeatures, 1)).squareRoot()
        weight = Parameter(Tensor.randomUniform([outputFeatures, inputFeatures], lower: -bound, upper: bound, generator: &generator))
        self.bias = bias ? Parameter(Tensor.randomUniform([outputFeatures], lower: -bound, upper: bound, generator: &generator)) : nil
        super.init()
    }

    /// A layer initialised from the global generator (see `Random.seed`).
    public convenience init(_ inputFeatures: Int, _ outputFeatures: Int, bias: Bool = true) {
        var generator = Random.splitGenerator()
        self.init(inputFeatures, outputFeatures, bias: bias, generator: &generator)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == weight.shape[1],
                     "Linear: input of shape \(input.shape) does not end in \(weight.shape[1]) features")
        return input.affine(weight: weight.value, bias: bias?.value)
    }
}
