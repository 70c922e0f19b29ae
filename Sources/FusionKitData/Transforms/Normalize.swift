/// `(x − mean[c]) / std[c]` for every value of channel `c`, in `Float` as torchvision's
/// `normalize(image, mean, std)` computes it (subtract, then divide).
public func normalize(_ image: ImagePlanes, mean: [Float], std: [Float]) -> ImagePlanes {
    precondition(mean.count == image.channels && std.count == image.channels,
                 "normalize: \(mean.count) means and \(std.count) standard deviations for a \(image.channels)×\(image.height)×\(image.width) image")
    precondition(!std.contains(0), "normalize: a standard deviation is zero (std \(std))")
    var output = image
    let plane = image.height * image.width
    output.values.withUnsafeMutableBufferPointer { values in
        for channel in 0..<image.channels {
            let m = mean[channel], s = std[channel]
            for index in channel * plane..<(channel + 1) * plane {
                values[index] = (values[index] - m) / s
            }
        }
    }
    return output
}
