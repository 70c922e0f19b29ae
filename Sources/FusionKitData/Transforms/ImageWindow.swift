/// The `height × width` window of `image` whose top-left corner is at (`top`, `left`), which
/// may lie partly outside the image; pixels outside take `fill[channel]` (one value for all
/// channels when `fill` has one element).
func window(_ image: ImagePlanes, top: Int, left: Int, height: Int, width: Int, fill: [Float]) -> ImagePlanes {
    var output = [Float](repeating: 0, count: image.channels * height * width)
    // The columns of the window that fall inside the image.
    let inside = max(0, -left)..<max(max(0, -left), min(width, image.width - left))
    image.values.withUnsafeBufferPointer { input in
        output.withUnsafeMutableBufferPointer { output in
            for channel in 0..<image.channels {
                let value = fill.count == 1 ? fill[0] : fill[channel]
                for y in 0..<height {
                    let target = (channel * height + y) * width
                    let sourceRow = top + y
                    guard sourceRow >= 0 && sourceRow < image.height else {
                        for x in 0..<width { output[target + x] = value }
                        continue
                    }
                    let source = (channel * image.height + sourceRow) * image.width + left
                    for x in 0..<inside.lowerBound { output[target + x] = value }
                    for x in inside { output[target + x] = input[source + x] }
                    for x in inside.upperBound..<width { output[target + x] = value }
                }
            }
        }
    }
    return ImagePlanes(channels: image.channels, height: height, width: width, values: output)
}
