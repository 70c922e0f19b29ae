/// y = x₁ᵀ·A·x₂ + b for each output feature, as torch.nn.Bilinear: weight [out, in1, in2],
/// bias [out], applied to the last axis of two inputs with the same leading shape
/// (`[..., in1]` and `[..., in2]` → `[..., out]`). Initialised as PyTorch: weight and bias from
/// U(−1/√in1, 1/√in1).
///
/// Not the fusion catalogue's ``BilinearFusion`` (a Tucker-style layer that projects both inputs
/// first); this layer loads an `nn.Bilinear` state dict unchanged.
public final class Bilinear: Module {
    public let weight: Parameter
    public let bias: Parameter?

    public init(_ inputFeatures1: Int, _ inputFeatures2: Int, _ outputFeatures: Int, bias: Bool = true,
                generator: inout RandomGenerator) {
        let bound = 1 / Float(Swift.max(inputFeatures1, 1)).squareRoot()
        weight = Parameter(Tensor.randomUniform([outputFeatures, inputFeatures1, inputFeatures2],
                                                lower: -bound, upper: bound, generator: &generator))
        self.bias = bias ? Parameter(Tensor.randomUniform([outputFeatures], lower: -bound, upper: bound,
                                                          generator: &generator)) : nil
        super.init()
    }

    /// A layer initialised from the global generator (see `Random.seed`).
    public convenience init(_ inputFeatures1: Int, _ inputFeatures2: Int, _ outputFeatures: Int, bias: Bool = true) {
        var generator = Random.splitGenerator()
        self.init(inputFeatures1, inputFeatures2, outputFeatures, bias: bias, generator: &generator)
    }

    /// The input widths and the output width.
    public var inputFeatures1: Int { weight.shape[1] }
    public var inputFeatures2: Int { weight.shape[2] }
    public var outputFeatures: Int { weight.shape[0] }

    /// Computes t = x₂·Aᵀ as one product with the weight read as it is stored ([N, in2] ×
    /// [out·in1, in2]ᵀ, no reordering copy), then sums t·x₁ over in1. Every step is a tensor op
    /// with its own backward, so the layer needs none of its own.
    public func callAsFunction(_ input1: Tensor, _ input2: Tensor) -> Tensor {
        precondition(input1.rank >= 1 && input1.shape.last == inputFeatures1,
                     "Bilinear: first input of shape \(input1.shape) does not end in \(inputFeatures1) features")
        precondition(input2.rank >= 1 && input2.shape.last == inputFeatures2,
                     "Bilinear: second input of shape \(input2.shape) does not end in \(inputFeatures2) features")
        precondition(input1.shape.dropLast() == input2.shape.dropLast(),
                     "Bilinear: inputs of shapes \(input1.shape) and \(input2.shape) differ before the last axis")
        let leading = Array(input1.shape.dropLast())
        let rows = leading.reduce(1, *)
        let (out, in1, in2) = (outputFeatures, inputFeatures1, inputFeatures2)
        let partial = input2.reshaped([rows, in2]).matmul(weight.value.reshaped([out * in1, in2]), transposeB: true)
            .reshaped([rows, out, in1])
        var result = (partial * input1.reshaped([rows, 1, in1])).sum(alongAxes: 2)
        if let bias { result = result + bias.value }
        return result.reshaped(leading + [out])
    }
}
