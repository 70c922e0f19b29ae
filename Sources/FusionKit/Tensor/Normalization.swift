import CFusionKitKernels

/// Layer and batch normalisation as single graph nodes, each with a closed-form backward.
///
/// Written as compositions of recorded operations (mean, subtract, square, mean, rsqrt, multiply,
/// multiply, add) they cost about nine passes over the activations forward and more backward,
/// and keep several intermediates alive; fused they cost two passes forward and two backward.
/// With x̂ = (x − μ)·r, r = 1/√(σ² + ε) and y = x̂·w + b over a group of n elements:
///
///     dx = r · (ĝ − mean(ĝ) − x̂ · mean(ĝ·x̂)),  ĝ = g·w
///     dw = Σ g·x̂,  db = Σ g   (summed over every group the weight is shared by)
extension Tensor {
    /// Layer normalisation over the last `normalizedCount` elements of every row (the trailing
    /// dimensions of LayerNorm's `normalizedShape`), with optional per-element `weight` and `bias`
    /// of that many elements: one node, inputs [self, weight, bias].
    public func layerNormalized(lastCount length: Int, weight: Tensor?, bias: Tensor?, epsilon: Float) -> Tensor {
        precondition(length > 0 && count % length == 0,
                     "layerNormalized: \(length) trailing elements do not divide shape \(shape)")
        precondition(weight.map { $0.count == length } ?? true && bias.map { $0.count == length } ?? true,
                     "layerNormalized: weight \(weight?.shape ?? []) and bias \(bias?.shape ?? []) must have \(length) elements")
        let rows = count / length
        let result = Tensor(uninitializedShape: shape)
        let means = Tensor(uninitializedShape: [rows]), scales = Tensor(uninitializedShape: [rows])
        withPointer { x in
            weight.withPointer { w in bias.withPointer { b in
                withFreshPointers(result, means, scales) { y, meanOut, scaleOut in
                    Parallel.forEachChunk(count: rows, elementsEach: length, minimumElements: Tuning.parallelArithmeticElements) { range in
                        for row in range {
                            let xr = x + row * length, yr = y + row * length
                            let mean = NormalizationKernels.sum(xr, length) / Float(length)
                            let scale = 1 / (NormalizationKernels.centeredSquares(xr, length, mean: mean) / Float(length) + epsilon).squareRoot()
                            meanOut[row] = mean
                            scaleOut[row] = scale
                            NormalizationKernels.normalize(xr, yr, length, mean: mean, scale: scale, weight: w, bias: b)
                        }
                    }
                }
            } }
        }
        var inputs = [self]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        guard Autograd.shouldRecord(inputs) else { return result }
        let input = self.detached(), weightValue = weight?.detached()
        return result.recorded("layerNorm", inputs: inputs) { g in
            let gradients = Tensor.layerNormGradients(input: input, outputGradient: g, length: length, means: means,
                                                      scales: scales, weight: weightValue)
            var list: [Tensor?] = [gradients.input]
            if weight != nil { list.append(gradients.weight.reshaped(weight!.shape)) }
            if bias != nil { list.append(gradients.bias.reshaped(bias!.shape)) }
            return list
        }
    }

    private static func layerNormGradients(input: Tensor, outputGradient: Tensor, length: Int, means: Tensor, scales: Tensor,
                                           weight: Tensor?) -> (input: Tensor, weight: Tensor, bias: Tensor) {
        let rows = input.count / length
        let dx = Tensor(uninitializedShape: input.shape)
        let dw = Tensor.zeros([length]), db = Tensor.zeros([length])
        withPointers(input, outputGradient, means, scales) { x, g, mean, scale in
            weight.withPointer { w in
                withFreshPointers(dx, dw, db) { out, dwOut, dbOut in
                    Parallel.forEachChunk(count: rows, elementsEach: length, minimumElements: Tuning.parallelArithmeticElements) { range in
                        for row in range {
                            NormalizationKernels.inputGradient(x + row * length, g + row * length, out + row * length, length,
                                                               mean: mean[row], scale: scale[row], weight: w)
                        }
                    }
                    // Weight and bias gradients: sums over the rows, in one pass.
                    for row in 0..<rows {
                        let xr = x + row * length, gr = g + row * length, m = mean[row], r = scale[row]
                        for i in 0..<length {
                            dwOut[i] += gr[i] * (xr[i] - m) * r
                            dbOut[i] += gr[i]
                        }
                    }
                }
            }
        }
        return (dx, dw, db)
    }

    /// Batch normalisation in training mode of an [N, C, …] tensor per channel (axis 1), over the
    /// batch and every axis after the channels, with optional per-channel `weight` and `bias`:
    /// one node, inputs [self, weight, bias]. Also returns the channels' batch mean and biased
    /// variance (constants, for the running statistics).
    public func batchNormalized(weight: Tensor?, bias: Tensor?, epsilon: Float) -> (output: Tensor, mean: Tensor, variance: Tensor) {
        precondition(rank >= 2, "batchNormalized: expected [N, C, …], got \(shape)")
        let batch = shape[0], channels = shape[1], spatial = count / Swift.max(batch * channels, 1)
        precondition(weight.map { $0.count == channels } ?? true && bias.map { $0.count == channels } ?? true,
                     "batchNormalized: weight \(weight?.shape ?? []) and bias \(bias?.shape ?? []) must have \(channels) elements")
        let n = Float(batch * spatial)
        let result = Tensor(uninitializedShape: shape)
        let means = Tensor(uninitializedShape: [channels]), variances = Tensor(uninitializedShape: [channels])
        let scales = Tensor(uninitializedShape: [channels])
        withPointer { x in
            weight.withPointer { w in bias.withPointer { b in
                withFreshPointers(result, means, variances) { y, meanOut, varianceOut in
                    scales.withFreshPointer { scaleOut in
                        Parallel.forEachChunk(count: channels, elementsEach: batch * spatial) { range in
                            for c in range {
                                var total: Float = 0
                                for i in 0..<batch { total += NormalizationKernels.sum(x + (i * channels + c) * spatial, spatial) }
                                let mean = total / n
                                var squares: Float = 0
                                for i in 0..<batch {
                                    squares += NormalizationKernels.centeredSquares(x + (i * channels + c) * spatial, spatial, mean: mean)
                                }
                                let variance = squares / n, scale = 1 / (variance + epsilon).squareRoot()
                                meanOut[c] = mean
                                varianceOut[c] = variance
                                scaleOut[c] = scale
                                // y = x·(r·w) + (b − μ·r·w)
                                let factor = scale * (w?[c] ?? 1), shift = (b?[c] ?? 0) - mean * factor
                                for i in 0..<batch {
                                    let offset = (i * channels + c) * spatial
                                    NormalizationKernels.affine(x + offset, y + offset, spatial, factor: factor, shift: shift)
                                }
                            }
                        }
                    }
                }
            } }
        }
        var inputs = [self]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        guard Autograd.shouldRecord(inputs) else { return (result, means, variances) }
        let input = self.detached(), weightValue = weight?.detached()
        let output = result.recorded("batchNorm", inputs: inputs) { g in
            let gradients = Tensor.batchNormGradients(input: input, outputGradient: g, means: means, scales: scales,
                                                      weight: weightValue)
            var list: [Tensor?] = [gradients.input]
            if weight != nil { list.append(gradients.weight.reshaped(weight!.shape)) }
            if bias != nil { list.append(gradients.bias.reshaped(bias!.shape)) }
            return list
        }
        return (output, means, variances)
    }

    private static func batchNormGradients(input: Tensor, outputGradient: Tensor, means: Tensor, scales: Tensor,
                                           weight: Tensor?) -> (input: Tensor, weight: Tensor, bias: Tensor) {
        let batch = input.shape[0], channels = input.shape[1], spatial = input.count / Swift.max(batch * channels, 1)
        let n = Float(batch * spatial)
        let dx = Tensor(uninitializedShape: input.shape)
        let dw = Tensor(uninitializedShape: [channels]), db = Tensor(uninitializedShape: [channels])
        withPointers(input, outputGradient, means, scales) { x, g, mean, scale in
            weight.withPointer { w in
                withFreshPointers(dx, dw, db) { out, dwOut, dbOut in
                    Parallel.forEachChunk(count: channels, elementsEach: batch * spatial) { range in
                        for c in range {
                            // Σ g and Σ g·x̂ over the channel.
                            var sumG: Float = 0, sumGX: Float = 0
                            for i in 0..<batch {
                                let offset = (i * channels + c) * spatial
                                let sums = NormalizationKernels.gradientSums(x + offset, g + offset, spatial, mean: mean[c])
                                sumG += sums.gradient
                                sumGX += sums.product
                            }
                            sumGX *= scale[c]
                            dwOut[c] = sumGX
                            dbOut[c] = sumG
                            let factor = scale[c] * (w?[c] ?? 1)
                            let meanG = sumG / n, meanGX = sumGX / n
                            for i in 0..<batch {
                                let offset = (i * channels + c) * spatial
                                NormalizationKernels.channelInputGradient(x + offset, g + offset, out + offset, spatial, mean: mean[c],
                                                                          scale: scale[c], factor: factor, meanGradient: meanG,
                                                                          meanProduct: meanGX)
                            }
                        }
                    }
                }
            }
        }
        return (dx, dw, db)
    }
}

extension Tensor {
    /// x·factor[c] + shift[c] per channel (axis 1) of an [N, C, …] tensor, outside the graph
    /// (batch norm at inference).
    func channelAffine(factors: [Float], shifts: [Float]) -> Tensor {
        let batch = shape[0], channels = shape[1], spatial = count / Swift.max(batch * channels, 1)
        precondition(factors.count == channels && shifts.count == channels,
                     "channelAffine: \(factors.count) factors for \(channels) channels of \(shape)")
        let result = Tensor(uninitializedShape: shape)
        withPointer { x in
            result.withFreshPointer { y in
                Parallel.forEachChunk(count: batch * channels, elementsEach: spatial) { range in
                    for run in range {
                        let c = run % channels
                        NormalizationKernels.affine(x + run * spatial, y + run * spatial, spatial, factor: factors[c], shift: shifts[c])
                    }
                }
            }
        }
        return result
    }
}

/// The inner loops of the fused normalisations, on contiguous runs.
enum NormalizationKernels {
    /// Σ x, with the vectorised kernel the reductions use.
    static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float { fk_sum(x, n) }

    /// Σ (x − mean)².
    static func centeredSquares(_ x: UnsafePointer<Float>, _ n: Int, mean: Float) -> Float {
        var accumulator = SIMD8<Float>(), i = 0
        let m = SIMD8<Float>(repeating: mean)
        while i + 8 <= n {
            let d = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - m
            accumulator += d * d
            i += 8
        }
        var total = accumulator.sum()
        while i < n {
            total += (x[i] - mean) * (x[i] - mean)
            i += 1
        }
        return total
    }

    /// Σ g and Σ g·(x − mean).
    static func gradientSums(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ n: Int,
                             mean: Float) -> (gradient: Float, product: Float) {
        var sumG = SIMD8<Float>(), sumGX = SIMD8<Float>(), i = 0
        let m = SIMD8<Float>(repeating: mean)
        while i + 8 <= n {
            let gv = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
            sumG += gv
            sumGX += gv * (UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - m)
            i += 8
        }
        var gradient = sumG.sum(), product = sumGX.sum()
        while i < n {
            gradient += g[i]
            product += g[i] * (x[i] - mean)
            i += 1
        }
        return (gradient, product)
    }

    /// y = x·factor + shift.
    static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, factor: Float, shift: Float) {
        for i in 0..<n { y[i] = x[i] * factor + shift }
    }

    /// y = (x − mean)·scale·w + b, with per-element w and b (either may be absent).
    static func normalize(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, mean: Float, scale: Float,
                          weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?) {
        switch (weight, bias) {
        case let (w?, b?): for i in 0..<n { y[i] = (x[i] - mean) * scale * w[i] + b[i] }
        case let (w?, nil): for i in 0..<n { y[i] = (x[i] - mean) * scale * w[i] }
        case let (nil, b?): for i in 0..<n { y[i] = (x[i] - mean) * scale + b[i] }
        case (nil, nil): for i in 0..<n { y[i] = (x[i] - mean) * scale }
        }
    }

    /// One layer-norm row: dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), ĝ = g·w.
    static func inputGradient(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                              _ n: Int, mean: Float, scale: Float, weight: UnsafePointer<Float>?) {
        var sumG: Float = 0, sumGX: Float = 0
        if let w = weight {
            for i in 0..<n {
                let gw = g[i] * w[i]
                sumG += gw
                sumGX += gw * (x[i] - mean)
            }
        } else {
            let sums = gradientSums(x, g, n, mean: mean)
            sumG = sums.gradient
            sumGX = sums.product
        }
        let meanG = sumG / Float(n), meanGX = sumGX * scale / Float(n)
        if let w = weight {
            for i in 0..<n { dx[i] = scale * (g[i] * w[i] - meanG - (x[i] - mean) * scale * meanGX) }
        } else {
            for i in 0..<n { dx[i] = scale * (g[i] - meanG - (x[i] - mean) * scale * meanGX) }
        }
    }

    /// One batch-norm run of a channel: dx = r·w·(g − mean(g) − x̂·mean(g·x̂)).
    static func channelInputGradient(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                     _ n: Int, mean: Float, scale: Float, factor: Float, meanGradient: Float,
                                     meanProduct: Float) {
        for i in 0..<n { dx[i] = factor * (g[i] - meanGradient - (x[i] - mean) * scale * meanProduct) }
    }
}
