/// `resize(padToSquare(image, fill: fill), height: size, width: size, antialias:)`, computed
/// without building the padded image when the padding is rows above and below (a landscape
/// image): the rows pass resamples only the image's own rows and one row of fill per channel
/// (every fill row resamples to the same values), then the columns pass runs on the stacked
/// result. The sums are the same ones in the same order, so the result equals the plain
/// composition bit for bit (a test compares them); other shapes take the plain composition.
public func padToSquareThenResize(_ image: ImagePlanes, size: Int, fill: [Float], antialias: Bool = true) -> ImagePlanes {
    precondition(fill.count == 1 || fill.count == image.channels,
                 "padToSquareThenResize: \(fill.count) fill values for a \(image.channels)×\(image.height)×\(image.width) image")
    let side = max(image.height, image.width)
    guard image.height < side, side != size else {
        return resize(padToSquare(image, fill: fill), height: size, width: size, antialias: antialias)
    }
    let makeAxis = antialias ? ResamplingAxis.antialiasedBilinear : ResamplingAxis.bilinear
    let rowsAxis = makeAxis(side, size)
    let resampled = resampleRows(image, rowsAxis)
    let fillRows = resampleRows(ImagePlanes(channels: image.channels, height: 1, width: side,
                                            values: (0..<image.channels).flatMap { channel in
                                                [Float](repeating: fill.count == 1 ? fill[0] : fill[channel], count: side)
                                            }), rowsAxis)
    let top = (side - image.height) / 2
    var stacked = [Float](repeating: 0, count: image.channels * side * size)
    for channel in 0..<image.channels {
        let fillRow = fillRows.values[(channel * size)..<((channel + 1) * size)]
        for row in 0..<side {
            let target = (channel * side + row) * size
            let sourceRow = row - top
            if sourceRow >= 0 && sourceRow < image.height {
                let source = (channel * image.height + sourceRow) * size
                stacked.replaceSubrange(target..<(target + size), with: resampled.values[source..<(source + size)])
            } else {
                stacked.replaceSubrange(target..<(target + size), with: fillRow)
            }
        }
    }
    return resampleColumns(ImagePlanes(channels: image.channels, height: side, width: size, values: stacked), makeAxis(side, size))
}
