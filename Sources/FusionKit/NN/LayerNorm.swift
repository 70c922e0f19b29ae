/// Layer normalisation (Ba et al. 2016) over the last dimensions, as torch.nn.LayerNorm:
/// y = (x − mean) / √(var + ε) · weight + bias, with the biased variance over `normalizedShape`.
public final class LayerNorm: Module, UnaryLayer {
    public let normalizedShape: [Int]
    public let epsilon: Float
    public let weight: Parameter?
    public let bias: Parameter?

    public init(_ normalizedShape: [Int], epsilon: Float = 1e-5, elementwiseAffine: Bool = true) {
        self.normalizedShape = normalizedShape
        self.epsilon = epsilon
        weight = elementwiseAffine ? Parameter(Tensor.ones(normalizedShape)) : nil
        bias = elementwiseAffine ? Parameter(Tensor.zeros(normalizedShape)) : nil
        super.init()
    }

    public convenience init(_ features: Int, epsilon: Float = 1e-5, elementwiseAffine: Bool = true) {
        self.init([features], epsilon: epsilon, elementwiseAffine: elementwiseAffine)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let k = normalizedShape.count
        precondition(input.rank >= k && Array(input.shape.suffix(k)) == normalizedShape,
                     "LayerNorm: input of shape \(input.shape) does not end in \(normalizedShape)")
        // One fused node (Tensor.layerNormalized) with its closed-form backward.
        return input.layerNormalized(lastCount: normalizedShape.reduce(1, *), weight: weight?.value, bias: bias?.value,
                                     epsilon: epsilon)
    }
}
