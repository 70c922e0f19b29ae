/// Scales the gradients of `parameters` so that their global L2 norm is at most `maxNorm`, as
/// torch.nn.utils.clip_grad_norm_ (factor maxNorm / (norm + 1e-6), applied only when below 1).
/// Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    let gradients = parameters.compactMap(\.gradient)
    var total: Double = 0
    for gradient in gradients {
        gradient.withUnsafeBufferPointer { values in
            for value in values { total += Double(value) * Double(value) }
        }
    }
    let norm = Float(total.squareRoot())
    let factor = maxNorm / (norm + 1e-6)
    if factor < 1 {
        for parameter in parameters {
            guard let gradient = parameter.gradient else { continue }
            parameter.value.gradient = gradient * factor
        }
    }
    return norm
}
