/// A way of combining the representations of several modalities into one, so that a model can
/// change strategy in one place: every strategy takes one tensor per modality (in a fixed order)
/// and returns the fused representation.
///
/// Vector strategies take [batch, width_m] per modality (any leading dimensions work where the
/// strategy only acts on the last axis); `FiLM` takes a feature map and a conditioning vector.
public protocol FusionStrategy: Module {
    /// The fused representation of `inputs`, one tensor per modality.
    func fuse(_ inputs: [Tensor]) -> Tensor
}

extension FusionStrategy {
    public func callAsFunction(_ inputs: [Tensor]) -> Tensor { fuse(inputs) }
    public func callAsFunction(_ inputs: Tensor...) -> Tensor { fuse(inputs) }
}

// Helpers for writing a strategy (Docs/Fusion.md, "Writing a strategy"): the library's own
// strategies use them, and so can one in another module.

/// Checks the inputs of a vector fusion against the widths it was built for: as many tensors as
/// widths, each ending in its width; otherwise stops with a message naming `op` and the shapes
/// (a programmer error, as for every operation).
public func checkWidths(_ inputs: [Tensor], _ widths: [Int], op: String) {
    precondition(inputs.count == widths.count,
                 "\(op): expected \(widths.count) modalities, got \(inputs.count) (shapes \(inputs.map(\.shape)))")
    for (input, width) in zip(inputs, widths) {
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == width,
                     "\(op): inputs of shapes \(inputs.map(\.shape)) do not end in widths \(widths)")
    }
}

/// One Linear per modality to a common width: stored in a property `projections`, their keys are
/// `projections.0.weight`, `projections.0.bias`, `projections.1.weight`, …
public func makeProjections(_ widths: [Int], to width: Int, bias: Bool = true, generator: inout RandomGenerator) -> [Linear] {
    widths.map { Linear($0, width, bias: bias, generator: &generator) }
}
