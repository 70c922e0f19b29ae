/// The antialiased bilinear resize written as its definition, for the tests to check `resize`
/// against: each output pixel is a direct two-dimensional weighted sum over the input pixels,
/// in `Double`, with weights computed on the spot and no precomputation or separable passes.
///
/// Definition: let `s = input / output` per axis and `r = max(s, 1)`. Output index `o` is
/// centred at `c = s · (o + ½)` in input coordinates; input index `i` (centred at `i + ½`) gets
/// the triangle weight `max(0, 1 − |i + ½ − c| / r)`, and the weights of the in-image pixels are
/// divided by their sum (`s` and `c` rounded to `Float`, as torch's kernel holds them). A 2-D
/// output pixel weights input (i, j) by the product of the two axes' weights. Slow (it
/// recomputes weights per pixel); for tests only.
package func referenceAntialiasedResize(_ image: ImagePlanes, height: Int, width: Int) -> ImagePlanes {
    func axisWeights(input: Int, output: Int, index: Int) -> [(index: Int, weight: Double)] {
        // The scale and the centre rounded to Float, as torch (and so `resize`) has them: exact
        // ones would move the centres near the far edge of a 75-pixel axis by up to half a Float
        // ulp, ~4e-6 pixel, and an enlarged output by up to that much, beyond the test's 1e-6.
        let scale = Double(Float(input) / Float(output))
        let radius = max(scale, 1)
        let center = Double(Float(scale * (Double(index) + 0.5)))
        // Only pixels within `radius` of the centre can have a positive weight.
        let low = max(Int((center - radius).rounded(.down)) - 1, 0)
        let high = min(Int((center + radius).rounded(.up)) + 1, input - 1)
        var taps: [(index: Int, weight: Double)] = []
        for i in low...high {
            let weight = max(0, 1 - abs(Double(i) + 0.5 - center) / radius)
            if weight > 0 { taps.append((i, weight)) }
        }
        let total = taps.reduce(0) { $0 + $1.weight }
        return taps.map { ($0.index, $0.weight / total) }
    }
    var output = ImagePlanes(channels: image.channels, height: height, width: width, filledWith: 0)
    for y in 0..<height {
        let rows = axisWeights(input: image.height, output: height, index: y)
        for x in 0..<width {
            let columns = axisWeights(input: image.width, output: width, index: x)
            for channel in 0..<image.channels {
                var sum = 0.0
                for row in rows {
                    for column in columns {
                        sum += row.weight * column.weight * Double(image[channel, row.index, column.index])
                    }
                }
                output[channel, y, x] = Float(sum)
            }
        }
    }
    return output
}
