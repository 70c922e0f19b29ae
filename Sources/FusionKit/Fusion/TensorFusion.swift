/// A constant 1 put before the entries of the last axis: [1; x] (Tensor and low-rank fusion).
func prependingOne(_ x: Tensor) -> Tensor {
    Tensor.concatenate([Tensor.ones(Array(x.shape.dropLast()) + [1]), x], alongAxis: -1)
}

/// Tensor Fusion Network (Zadeh, Chen, Poria, Cambria, Morency, "Tensor Fusion Network for
/// Multimodal Sentiment Analysis", 2017), for two or three modalities: the outer product of the
/// inputs each extended by a constant 1, which keeps the unimodal and bimodal terms,
///
///     z = W vec([1; x₁] ⊗ [1; x₂] (⊗ [1; x₃])) + b
///
/// vec is row-major ([1; x₁] varies slowest), so W is [out, Π(d_m + 1)]. Key: `output`.
public final class TensorFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let output: Linear

    public init(widths: [Int], outputWidth: Int, generator: inout RandomGenerator) {
        precondition(widths.count == 2 || widths.count == 3, "TensorFusion: needs two or three modalities, got \(widths.count)")
        self.widths = widths
        output = Linear(widths.map { $0 + 1 }.reduce(1, *), outputWidth, generator: &generator)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], outputWidth: Int) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, outputWidth: outputWidth, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "TensorFusion")
        let lead = Array(inputs[0].shape.dropLast())
        var product = prependingOne(inputs[0])
        for input in inputs.dropFirst() {
            let extended = prependingOne(input)
            let (a, b) = (product.shape[product.rank - 1], extended.shape[extended.rank - 1])
            product = (product.reshaped(lead + [a, 1]) * extended.reshaped(lead + [1, b])).reshaped(lead + [a * b])
        }
        return output(product)
    }
}
