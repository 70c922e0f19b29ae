/// `resize(padToSquare(image, fill: fill), height: size, width: size, antialias:)`, computed
/// without building the padded image when the padding is rows above and below (a landscape
/// image): the rows pass resamples only the image's own rows and one row of fill per channel
/// (every fill row resamples to the same values), then the columns pass reads, for each row of
/// the padded square, either a resampled image row or that channel's fill row. The sums are the
/// same ones in the same order, so the result equals the plain composition bit for bit (a test
/// compares them); other shapes take the plain composition.
public func padToSquareThenResize(_ image: ImagePlanes, size: Int, fill: [Float], antialias: Bool = true) -> ImagePlanes {
    padToSquareThenResize(image, size: size, fill: fill, antialias: antialias, kernel: .vectorized)
}

/// ``padToSquareThenResize(_:size:fill:antialias:)`` with a chosen resampling kernel (tests
/// compare the kernels).
package func padToSquareThenResize(_ image: ImagePlanes, size: Int, fill: [Float], antialias: Bool,
                           kernel: ResamplingKernel) -> ImagePlanes {
    precondition(fill.count == 1 || fill.count == image.channels,
                 "padToSquareThenResize: \(fill.count) fill values for a \(image.channels)×\(image.height)×\(image.width) image")
    let side = max(image.height, image.width)
    guard image.height < side, side != size else {
        return resize(padToSquare(image, fill: fill), height: size, width: size, antialias: antialias, kernel: kernel)
    }
    let makeAxis = antialias ? ResamplingAxis.antialiasedBilinear : ResamplingAxis.bilinear
    let rowsAxis = makeAxis(side, size)
    let resampled = resampleRows(image, rowsAxis, kernel: kernel)
    let fillRows = resampleRows(ImagePlanes(channels: image.channels, height: 1, width: side,
                                            values: (0..<image.channels).flatMap { channel in
                                                [Float](repeating: fill.count == 1 ? fill[0] : fill[channel], count: side)
                                            }), rowsAxis, kernel: kernel)
    let top = (side - image.height) / 2
    return resampled.values.withUnsafeBufferPointer { imageRows in
        fillRows.values.withUnsafeBufferPointer { fillRow in
            var rows: [UnsafePointer<Float>] = []
            rows.reserveCapacity(image.channels * side)
            for channel in 0..<image.channels {
                for row in 0..<side {
                    let sourceRow = row - top
                    rows.append(sourceRow >= 0 && sourceRow < image.height
                                ? imageRows.baseAddress! + (channel * image.height + sourceRow) * size
                                : fillRow.baseAddress! + channel * size)
                }
            }
            return resampleColumns(rows: rows, channels: image.channels, width: size, makeAxis(side, size), kernel: kernel)
        }
    }
}
