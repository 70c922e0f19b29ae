/// The affine map of a linear layer, x·Wᵀ + b, as one fused graph node: the bias is written into
/// the output first and sgemm adds the product onto it (β = 1), and the backward computes all
/// three gradients with two GEMMs and one column sum.
///
/// For many rows and few features (the transformer VQA model's layers run on [1280·9, 64]), the
/// weight gradient gᵀ·x is a GEMM whose long dimension is its inner one, which OpenBLAS does not
/// split among threads; there each core forms the weight and bias gradients of its share of the
/// rows and the partial sums are added (`BLAS.parallelPartialSums`).
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
        result.withFreshPointer { out in
            if let bias {
                bias.withPointer { b in
                    for row in 0..<rows { (out + row * outputs).update(from: b, count: outputs) }
                }
            } else {
                out.initialize(repeating: 0, count: result.count)
            }
            if rows > 0 && inputs > 0 && outputs > 0 {
                withPointers(self, weight) { x, w in
                    Tensor.gemm(x, w, out, m: rows, n: outputs, k: inputs, transposeA: false, transposeB: true, beta: 1)
                }
            }
        }
        let x = self
        guard Autograd.shouldRecord(x, weight) || bias.map(Autograd.shouldRecord) == true else { return result }
        return result.recorded("affine", optionalInputs: [x, weight, bias]) { g in
            let rowsOfG = g.withShape([rows, outputs])
            let rowsOfX = x.withShape([rows, inputs])
            let gradientOfX = x.requiresGradient ? rowsOfG.matmul(weight).withShape(x.shape) : nil
            let wantWeight = weight.requiresGradient, wantBias = bias?.requiresGradient == true
            guard wantWeight || wantBias else { return [gradientOfX, nil, nil] }
            guard rows >= 2 * Swift.max(inputs, outputs) && rows * inputs * outputs >= 1 << 20 else {
                return [gradientOfX, wantWeight ? rowsOfG.matmul(rowsOfX, transposeA: true) : nil,
                        wantBias ? rowsOfG.sum(alongAxes: 0) : nil]
            }
            let sums = withPointers(rowsOfG, rowsOfX) { upstream, source in
                BLAS.parallelPartialSums(count: rows) { range in
                    let (first, count) = (range.lowerBound, range.count)
                    var partial: [Tensor?] = [nil, nil]
                    if wantWeight {
                        let dw = Tensor(uninitializedShape: [outputs, inputs])
                        dw.withFreshPointer { target in
                            Tensor.gemm(upstream + first * outputs, source + first * inputs, target,
                                        m: outputs, n: inputs, k: count, transposeA: true, transposeB: false)
                        }
                        partial[0] = dw
                    }
                    if wantBias {
                        let db = Tensor(repeating: 0, shape: [outputs])
                        db.withFreshPointer { target in
                            Lanes.addColumnSums(upstream + first * outputs, rows: count, columns: outputs, into: target)
                        }
                        partial[1] = db
                    }
                    return partial
                }
            }
            return [gradientOfX, sums[0], sums[1]]
        }
    }
}
