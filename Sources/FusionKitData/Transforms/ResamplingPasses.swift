/// How a resampling pass computes its sums. Both kernels add the same products in the same order
/// (tap 0 first, starting from zero, one multiply and one add per tap, never fused), so they give
/// bit-identical images; tests compare them on every shape class.
package enum ResamplingKernel: Sendable, CaseIterable {
    /// One output value at a time, the taps in a scalar loop: the reference.
    case plain
    /// Eight outputs at a time in SIMD registers: the rows pass transposes eight image rows into a
    /// small buffer so that one vector holds the same column of eight rows; the columns pass
    /// reads eight neighbouring columns of each input row. The default.
    case vectorized
}

/// Every row of every channel resampled to `axis.outputCount` columns.
func resampleRows(_ image: ImagePlanes, _ axis: ResamplingAxis, kernel: ResamplingKernel = .vectorized) -> ImagePlanes {
    let rows = image.channels * image.height
    var values = [Float](repeating: 0, count: rows * axis.outputCount)
    image.values.withUnsafeBufferPointer { input in
        values.withUnsafeMutableBufferPointer { output in
            switch kernel {
            case .plain: resampleRowsPlain(input.baseAddress!, rows: rows, width: image.width, axis, into: output.baseAddress!)
            case .vectorized: resampleRowsVectorized(input.baseAddress!, rows: rows, width: image.width, axis, into: output.baseAddress!)
            }
        }
    }
    return ImagePlanes(channels: image.channels, height: image.height, width: axis.outputCount, values: values)
}

/// Every column of every channel resampled to `axis.outputCount` rows.
func resampleColumns(_ image: ImagePlanes, _ axis: ResamplingAxis, kernel: ResamplingKernel = .vectorized) -> ImagePlanes {
    image.values.withUnsafeBufferPointer { input in
        let rows = (0 ..< image.channels * image.height).map { input.baseAddress! + $0 * image.width }
        return resampleColumns(rows: rows, channels: image.channels, width: image.width, axis, kernel: kernel)
    }
}

/// The columns pass over rows given by address: input row `i` of channel `c` is
/// `rows[c · axis.inputCount + i]`, `width` floats. This lets a caller stand one row for many
/// identical ones (the fill rows of a padded image) without building the padded image.
///
/// - Precondition: the row pointers stay valid for the call, and `rows.count` is
///   `channels × axis.inputCount`.
func resampleColumns(rows: [UnsafePointer<Float>], channels: Int, width: Int, _ axis: ResamplingAxis,
                     kernel: ResamplingKernel = .vectorized) -> ImagePlanes {
    precondition(rows.count == channels * axis.inputCount,
                 "resampleColumns: \(rows.count) rows for \(channels) channels of \(axis.inputCount)")
    let outputHeight = axis.outputCount
    var values = [Float](repeating: 0, count: channels * outputHeight * width)
    rows.withUnsafeBufferPointer { rows in
        values.withUnsafeMutableBufferPointer { output in
            for channel in 0 ..< channels {
                let channelRows = UnsafeBufferPointer(rebasing: rows[(channel * axis.inputCount) ..< ((channel + 1) * axis.inputCount)])
                let target = output.baseAddress! + channel * outputHeight * width
                switch kernel {
                case .plain: resampleColumnsPlain(channelRows, width: width, axis, into: target)
                case .vectorized: resampleColumnsVectorized(channelRows, width: width, axis, into: target)
                }
            }
        }
    }
    return ImagePlanes(channels: channels, height: outputHeight, width: width, values: values)
}

// MARK: - Plain kernels

/// `rows` rows of `width` floats, each resampled to `axis.outputCount` floats.
private func resampleRowsPlain(_ input: UnsafePointer<Float>, rows: Int, width: Int, _ axis: ResamplingAxis,
                               into output: UnsafeMutablePointer<Float>) {
    let outputWidth = axis.outputCount, taps = axis.tapsPerOutput
    axis.weights.withUnsafeBufferPointer { weights in
        for row in 0 ..< rows {
            let source = input + row * width
            for x in 0 ..< outputWidth {
                let first = axis.firstTap[x], w = x * taps
                var sum: Float = 0
                for k in 0 ..< axis.tapCount[x] {
                    sum += source[first + k] * weights[w + k]
                }
                output[row * outputWidth + x] = sum
            }
        }
    }
}

/// One channel's output rows, each the weighted sum of `axis.tapCount[y]` whole input rows.
private func resampleColumnsPlain(_ rows: UnsafeBufferPointer<UnsafePointer<Float>>, width: Int, _ axis: ResamplingAxis,
                                  into output: UnsafeMutablePointer<Float>) {
    let taps = axis.tapsPerOutput
    for y in 0 ..< axis.outputCount {
        let target = output + y * width
        for x in 0 ..< width {
            var sum: Float = 0
            for k in 0 ..< axis.tapCount[y] {
                sum += rows[axis.firstTap[y] + k][x] * axis.weights[y * taps + k]
            }
            target[x] = sum
        }
    }
}

// MARK: - Vectorized kernels

private typealias Lanes = SIMD8<Float>

/// The rows pass, eight rows at a time: their values are interleaved into a buffer of `width`
/// vectors (vector `i` holds column `i` of the eight rows), so that each output column is
/// `tapCount` vector multiply-adds for all eight rows. Leftover rows take the plain kernel.
private func resampleRowsVectorized(_ input: UnsafePointer<Float>, rows: Int, width: Int, _ axis: ResamplingAxis,
                                    into output: UnsafeMutablePointer<Float>) {
    let lanes = Lanes.scalarCount
    let outputWidth = axis.outputCount, taps = axis.tapsPerOutput
    let columns = UnsafeMutablePointer<Lanes>.allocate(capacity: width)
    defer { columns.deallocate() }
    let columnFloats = UnsafeMutableRawPointer(columns).assumingMemoryBound(to: Float.self)
    var row = 0
    axis.weights.withUnsafeBufferPointer { weights in
        axis.firstTap.withUnsafeBufferPointer { firstTap in
            axis.tapCount.withUnsafeBufferPointer { tapCount in
                while row + lanes <= rows {
                    for lane in 0 ..< lanes {
                        let source = input + (row + lane) * width
                        for i in 0 ..< width { columnFloats[i * lanes + lane] = source[i] }
                    }
                    let target = output + row * outputWidth
                    for x in 0 ..< outputWidth {
                        let first = firstTap[x], w = x * taps
                        var sum = Lanes(repeating: 0)
                        for k in 0 ..< tapCount[x] {
                            sum += columns[first + k] * Lanes(repeating: weights[w + k])
                        }
                        for lane in 0 ..< lanes { target[lane * outputWidth + x] = sum[lane] }
                    }
                    row += lanes
                }
            }
        }
    }
    if row < rows {
        resampleRowsPlain(input + row * width, rows: rows - row, width: width, axis, into: output + row * outputWidth)
    }
}

/// The columns pass, eight columns at a time: each output vector accumulates its taps' input
/// vectors in a register and is stored once. Leftover columns take the scalar loop.
private func resampleColumnsVectorized(_ rows: UnsafeBufferPointer<UnsafePointer<Float>>, width: Int, _ axis: ResamplingAxis,
                                       into output: UnsafeMutablePointer<Float>) {
    let lanes = Lanes.scalarCount, taps = axis.tapsPerOutput
    axis.weights.withUnsafeBufferPointer { weights in
        for y in 0 ..< axis.outputCount {
            let first = axis.firstTap[y], count = axis.tapCount[y], w = y * taps
            let target = output + y * width
            var x = 0
            while x + lanes <= width {
                var sum = Lanes(repeating: 0)
                for k in 0 ..< count {
                    let values = UnsafeRawPointer(rows[first + k] + x).loadUnaligned(as: Lanes.self)
                    sum += values * Lanes(repeating: weights[w + k])
                }
                UnsafeMutableRawPointer(target + x).storeBytes(of: sum, as: Lanes.self)
                x += lanes
            }
            while x < width {
                var sum: Float = 0
                for k in 0 ..< count { sum += rows[first + k][x] * weights[w + k] }
                target[x] = sum
                x += 1
            }
        }
    }
}
