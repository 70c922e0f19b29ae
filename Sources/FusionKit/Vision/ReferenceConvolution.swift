/// `ConvolutionPath.reference`: the convolution as its definition, one multiply-add per output,
/// input channel and tap, forward and backward, with no unfolding, no GEMM and no threads:
///
///     y[n, o, i, j] = b[o] + Σ_c Σ_(a, d) W[o, c, a, d] · x[n, g·C/G + c, i·sh − ph + a·dh, j·sw − pw + d·dw]
///
/// (zero outside the plane; g = o's group, C/G input channels per group). Its adjoints:
/// dx[n, g·C/G + c, ·, ·] += W[o, c, a, d] · dy[n, o, i, j] at the same positions,
/// dW[o, c, a, d] = Σ_n Σ_(i, j) dy[n, o, i, j] · x[…], db[o] = Σ_n Σ_(i, j) dy[n, o, i, j].
enum ReferenceConvolution {
    static func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvolutionGeometry, groups: Int) -> Tensor {
        let outChannels = weight.shape[0]
        let result = Tensor(uninitializedShape: [g.batch, outChannels, g.outputHeight, g.outputWidth])
        withPointers(input, weight) { x, w in
            bias.withPointer { b in
                result.withFreshPointer { out in
                    for n in 0..<g.batch {
                        for o in 0..<outChannels {
                            let plane = out + (n * outChannels + o) * g.outputPlane
                            plane.initialize(repeating: b?[o] ?? 0, count: g.outputPlane)
                            visitTaps(g, groups: groups, outChannels: outChannels, n: n, o: o) { output, inputIndex, weightIndex in
                                plane[output] += w[weightIndex] * x[inputIndex]
                            }
                        }
                    }
                }
            }
        }
        guard Autograd.shouldRecord(input, weight) || bias.map(Autograd.shouldRecord) == true else { return result }
        return result.recorded("conv2d (reference)", inputs: [input, weight] + (bias.map { [$0] } ?? [])) { gradient in
            let wantInput = input.requiresGradient, wantWeight = weight.requiresGradient
            var dx = [Float](repeating: 0, count: wantInput ? input.count : 0)
            var dw = [Float](repeating: 0, count: wantWeight ? weight.count : 0)
            // The backward takes its own pointers: it runs after the forward's scope has ended.
            withPointers(gradient, input, weight) { dy, x, w in
                for n in 0..<g.batch {
                    for o in 0..<outChannels {
                        let upstream = dy + (n * outChannels + o) * g.outputPlane
                        visitTaps(g, groups: groups, outChannels: outChannels, n: n, o: o) { output, inputIndex, weightIndex in
                            if wantInput { dx[inputIndex] += w[weightIndex] * upstream[output] }
                            if wantWeight { dw[weightIndex] += x[inputIndex] * upstream[output] }
                        }
                    }
                }
            }
            let db = bias?.requiresGradient == true ? gradient.sum(alongAxes: [0, 2, 3]) : nil
            return [wantInput ? Tensor(dx, shape: input.shape) : nil, wantWeight ? Tensor(dw, shape: weight.shape) : nil]
                + (bias == nil ? [] : [db])
        }
    }

    /// Calls `body(output, input, weight)` with flat indices for every (output position of plane
    /// (n, o), input channel of o's group, tap) whose input position lies inside the plane.
    @inline(__always)
    private static func visitTaps(_ g: ConvolutionGeometry, groups: Int, outChannels: Int, n: Int, o: Int,
                                  _ body: (Int, Int, Int) -> Void) {
        let groupIn = g.channels / groups, group = o / (outChannels / groups)
        for i in 0..<g.outputHeight {
            for j in 0..<g.outputWidth {
                for c in 0..<groupIn {
                    let plane = (n * g.channels + group * groupIn + c) * g.inputPlane
                    for a in 0..<g.kernelHeight {
                        let row = i * g.strideHeight - g.paddingHeight + a * g.dilationHeight
                        guard row >= 0 && row < g.height else { continue }
                        for d in 0..<g.kernelWidth {
                            let column = j * g.strideWidth - g.paddingWidth + d * g.dilationWidth
                            guard column >= 0 && column < g.width else { continue }
                            body(i * g.outputWidth + j, plane + row * g.width + column,
                                 ((o * groupIn + c) * g.kernelHeight + a) * g.kernelWidth + d)
                        }
                    }
                }
            }
        }
    }
}
