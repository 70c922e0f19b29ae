/// The affine map of a linear layer, x·Wᵀ + b, as one fused graph node: the bias is written into
/// the output first and sgemm adds the product onto it (β = 1), and the backward computes all
/// three gradients with two GEMMs and one column sum.
extension Tensor {
    /// x·Wᵀ + b over the last axis of `self` ([…, in]) with `weight` [out, in] and `bias` [out].
    public func affine(weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(weight.rank == 2 && rank >= 1 && shape[rank - 1] == weight.shape[1],
                     "affine: input of shape \(shape) does not match weight of shape \(weight.shape)")
        let inputs = weight.shape[1], outputs = weight.shape[0]
        if let bias { precondition(bias.shape == [outputs], "affine: bias of shape \(bias.shape) for weight of shape \(weight.shape)") }
        let rows = count / Swift.max(inputs, 1)
        var outputShape = shape
        outputShape[rank - 1] = outputs
        let result = Tensor(uninitializedShape: outputShape)
        let out = result.storage.pointer
        if let bias {
            for row in 0..<rows { (out + row * outputs).update(from: bias.pointer, count: outputs) }
        } else {
            out.initialize(repeating: 0, count: result.count)
        }
        if rows > 0 && inputs > 0 && outputs > 0 {
            Tensor.gemm(pointer, weight.pointer, out, m: rows, n: outputs, k: inputs,
                        transposeA: false, transposeB: true, beta: 1)
        }
        let x = self
        guard Autograd.shouldRecord(x, weight) || bias.map(Autograd.shouldRecord) == true else { return result }
        return result.recorded("affine", inputs: [x, weight, bias ?? Tensor(0)]) { g in
            let rowsOfG = g.withShape([rows, outputs])
            let rowsOfX = x.withShape([rows, inputs])
            return [x.requiresGradient ? rowsOfG.matmul(weight).withShape(x.shape) : nil,
                    weight.requiresGradient ? rowsOfG.matmul(rowsOfX, transposeA: true) : nil,
                    bias?.requiresGradient == true ? rowsOfG.sum(alongAxes: 0) : nil]
        }
    }
}
