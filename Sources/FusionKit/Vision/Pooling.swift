/// Max and average pooling over windows of NCHW planes, fixed-size (MaxPool2d, AvgPool2d) or
/// adaptive (AdaptiveAvgPool2d, AdaptiveMaxPool2d), each one graph node. Max pooling remembers
/// the position of each maximum, and its backward sends the gradient there (without a gradient
/// to record it runs `MaxPoolPath.withoutWinners`, which remembers nothing); average pooling
/// spreads it evenly over the window.
extension Tensor {
    /// Max pooling with PyTorch's window placement; padding reads as −∞.
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        let g = ConvolutionGeometry(input: shape, kernel: kernel, stride: stride ?? kernel, padding: padding,
                                    dilation: (1, 1), op: "maxPool2d")
        precondition(padding.0 * 2 <= kernel.0 && padding.1 * 2 <= kernel.1,
                     "maxPool2d: padding \(padding) must be at most half the kernel \(kernel)")
        return pooled(g, outputHeight: g.outputHeight, outputWidth: g.outputWidth, maximum: true, op: "maxPool2d",
                      rows: { oh in Tensor.clip(oh * g.strideHeight - g.paddingHeight, g.kernelHeight, g.height) },
                      columns: { ow in Tensor.clip(ow * g.strideWidth - g.paddingWidth, g.kernelWidth, g.width) },
                      divisor: { _, _ in 1 })
    }

    /// Average pooling; with `countIncludePad` (PyTorch's default) padded positions count in
    /// the divisor.
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          countIncludePad: Bool = true) -> Tensor {
        let g = ConvolutionGeometry(input: shape, kernel: kernel, stride: stride ?? kernel, padding: padding,
                                    dilation: (1, 1), op: "avgPool2d")
        precondition(padding.0 * 2 <= kernel.0 && padding.1 * 2 <= kernel.1,
                     "avgPool2d: padding \(padding) must be at most half the kernel \(kernel)")
        let rows = { (oh: Int) in Tensor.clip(oh * g.strideHeight - g.paddingHeight, g.kernelHeight, g.height) }
        let columns = { (ow: Int) in Tensor.clip(ow * g.strideWidth - g.paddingWidth, g.kernelWidth, g.width) }
        return pooled(g, outputHeight: g.outputHeight, outputWidth: g.outputWidth, maximum: false, op: "avgPool2d",
                      rows: rows, columns: columns, divisor: { oh, ow in
                          if !countIncludePad { return Float(rows(oh).count * columns(ow).count) }
                          let top = oh * g.strideHeight - g.paddingHeight, left = ow * g.strideWidth - g.paddingWidth
                          let bottom = Swift.min(top + g.kernelHeight, g.height + g.paddingHeight)
                          let right = Swift.min(left + g.kernelWidth, g.width + g.paddingWidth)
                          return Float((bottom - top) * (right - left))
                      })
    }

    /// Average pooling to a fixed output size: output cell i covers input rows
    /// ⌊i·H/Ho⌋ ..< ⌈(i+1)·H/Ho⌉ (likewise for columns), as PyTorch.
    public func adaptiveAvgPool2d(outputSize: (Int, Int)) -> Tensor {
        adaptive(outputSize, maximum: false, op: "adaptiveAvgPool2d")
    }

    /// Max pooling to a fixed output size (windows as in `adaptiveAvgPool2d`).
    public func adaptiveMaxPool2d(outputSize: (Int, Int)) -> Tensor {
        adaptive(outputSize, maximum: true, op: "adaptiveMaxPool2d")
    }

    private func adaptive(_ size: (Int, Int), maximum: Bool, op: String) -> Tensor {
        let g = ConvolutionGeometry(input: shape, kernel: (1, 1), stride: (1, 1), padding: (0, 0), dilation: (1, 1), op: op)
        precondition(size.0 > 0 && size.1 > 0, "\(op): output size \(size) must be positive")
        let rows = { (i: Int) in (i * g.height / size.0)..<(((i + 1) * g.height + size.0 - 1) / size.0) }
        let columns = { (j: Int) in (j * g.width / size.1)..<(((j + 1) * g.width + size.1 - 1) / size.1) }
        return pooled(g, outputHeight: size.0, outputWidth: size.1, maximum: maximum, op: op, rows: rows, columns: columns,
                      divisor: { i, j in Float(rows(i).count * columns(j).count) })
    }

    /// The window start..<start+length clipped to 0..<limit.
    static func clip(_ start: Int, _ length: Int, _ limit: Int) -> Range<Int> {
        Swift.max(start, 0)..<Swift.min(start + length, limit)
    }

    /// The pooling loop shared by all kinds: for each output cell, the window rows(oh) ×
    /// columns(ow) of its plane, reduced by max (remembering where) or by sum / divisor; max
    /// pooling with no gradient to record goes to `maxPooledWithoutWinners` instead.
    private func pooled(_ g: ConvolutionGeometry, outputHeight: Int, outputWidth: Int, maximum: Bool, op: String,
                        rows: (Int) -> Range<Int>, columns: (Int) -> Range<Int>,
                        divisor: (Int, Int) -> Float) -> Tensor {
        let planes = g.batch * g.channels, outputPlane = outputHeight * outputWidth
        let rowRanges = (0..<outputHeight).map(rows), columnRanges = (0..<outputWidth).map(columns)
        if maximum {
            let recording = Autograd.shouldRecord(self)
            let path: MaxPoolPath = recording ? .reference : Tensor.forcedMaxPoolPath ?? .withoutWinners
            KernelPathLog.record(op, path.rawValue)
            if path == .withoutWinners { return maxPooledWithoutWinners(g, rowRanges: rowRanges, columnRanges: columnRanges) }
        }
        var divisors = [Float](repeating: 1, count: outputPlane)
        if !maximum {
            for oh in 0..<outputHeight { for ow in 0..<outputWidth { divisors[oh * outputWidth + ow] = divisor(oh, ow) } }
        }
        let result = Tensor(uninitializedShape: [g.batch, g.channels, outputHeight, outputWidth])
        // For max pooling: the flat in-plane index of each maximum, for backward.
        var winners = maximum ? [Int32](repeating: -1, count: planes * outputPlane) : []
        withPointer { source in
            result.withFreshPointer { target in
                winners.withUnsafeMutableBufferPointer { winnerBuffer in
                    let winnerPointer = winnerBuffer.baseAddress
                    Parallel.forEachChunk(count: planes, elementsEach: g.inputPlane, minimumElements: Tuning.parallelArithmeticElements) { range in
                        for plane in range {
                            let input = source + plane * g.inputPlane, output = target + plane * outputPlane
                            for oh in 0..<outputHeight {
                                for ow in 0..<outputWidth {
                                    let cell = oh * outputWidth + ow
                                    if maximum {
                                        var best = -Float.infinity, bestIndex = -1
                                        for r in rowRanges[oh] {
                                            for c in columnRanges[ow] {
                                                let value = input[r * g.width + c]
                                                if value > best || value.isNaN || bestIndex < 0 { best = value; bestIndex = r * g.width + c }
                                                if value.isNaN { break }
                                            }
                                        }
                                        output[cell] = best
                                        winnerPointer![plane * outputPlane + cell] = Int32(bestIndex)
                                    } else {
                                        var total: Float = 0
                                        for r in rowRanges[oh] { for c in columnRanges[ow] { total += input[r * g.width + c] } }
                                        output[cell] = total / divisors[cell]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let inputShape = shape, inputPlane = g.inputPlane
        return recordUnary(op, result) { gradient in
            let dX = Tensor.zeros(inputShape)
            gradient.withPointer { from in
                dX.withFreshPointer { into in
                    // Planes are disjoint, so they are shared out among the cores as in the forward.
                    Parallel.forEachChunk(count: planes, elementsEach: inputPlane, minimumElements: Tuning.parallelArithmeticElements) { range in
                        for plane in range {
                            let target = into + plane * inputPlane, upstream = from + plane * outputPlane
                            for oh in 0..<outputHeight {
                                for ow in 0..<outputWidth {
                                    let cell = oh * outputWidth + ow
                                    if maximum {
                                        let index = Int(winners[plane * outputPlane + cell])
                                        if index >= 0 { target[index] += upstream[cell] }
                                    } else {
                                        let share = upstream[cell] / divisors[cell]
                                        for r in rowRanges[oh] { for c in columnRanges[ow] { target[r * g.width + c] += share } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return dX
        }
    }
}
