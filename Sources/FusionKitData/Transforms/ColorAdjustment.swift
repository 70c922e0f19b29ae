// Brightness, contrast and saturation changes with torchvision's formulas for float images
// (`adjust_brightness`, `adjust_contrast`, `adjust_saturation` of
// `torchvision.transforms.v2.functional`). Each blends the image with a reference image —
// black, the mean grey level, the pixel's own grey level — as `factor · x + (1 − factor) · ref`
// and clamps the result to [0, 1]. A factor of 1 leaves values in [0, 1] unchanged; images must
// have 1 or 3 (RGB) channels, as in torchvision.

/// `clamp(factor · x, 0, 1)`: a blend with black.
public func adjustBrightness(_ image: ImagePlanes, factor: Float) -> ImagePlanes {
    checkColorAdjustment("adjustBrightness", image, factor)
    var output = image
    for index in output.values.indices {
        output.values[index] = clampUnit(output.values[index] * factor)
    }
    return output
}

/// A blend with the mean of the image's grey levels (one number for the whole image): factors
/// below 1 flatten the image towards uniform grey, above 1 stretch it away from it.
public func adjustContrast(_ image: ImagePlanes, factor: Float) -> ImagePlanes {
    checkColorAdjustment("adjustContrast", image, factor)
    let grey = image.channels == 3 ? greyLevels(image) : image.values
    // torch.mean of a float32 tensor: accumulated in higher precision, rounded once.
    let mean = Float(grey.reduce(0.0) { $0 + Double($1) } / Double(grey.count))
    return blend(image, factor) { _ in mean }
}

/// A blend of each pixel with its own grey level: 0 gives the grey image, 1 the image, above 1
/// more vivid colours. A one-channel image is returned as it is.
public func adjustSaturation(_ image: ImagePlanes, factor: Float) -> ImagePlanes {
    checkColorAdjustment("adjustSaturation", image, factor)
    if image.channels == 1 { return image }
    let grey = greyLevels(image)
    return blend(image, factor) { grey[$0] }
}

/// The grey level of each pixel of an RGB image, `0.2989 R + 0.587 G + 0.114 B` computed in
/// `Float` in that order — torchvision's `rgb_to_grayscale` weights for tensors (ITU-R BT.601's
/// 0.299 shortened to 0.2989; PIL's integer conversion uses 0.299).
func greyLevels(_ image: ImagePlanes) -> [Float] {
    let plane = image.height * image.width
    return (0..<plane).map { index in
        image.values[index] * 0.2989 + image.values[plane + index] * 0.587 + image.values[2 * plane + index] * 0.114
    }
}

/// `clamp(factor · x + (1 − factor) · reference(pixel), 0, 1)` for every value, where `pixel`
/// is the value's index within its channel's plane.
private func blend(_ image: ImagePlanes, _ factor: Float, reference: (Int) -> Float) -> ImagePlanes {
    var output = image
    let plane = image.height * image.width
    let other = 1 - factor
    for channel in 0..<image.channels {
        for pixel in 0..<plane {
            let index = channel * plane + pixel
            output.values[index] = clampUnit(output.values[index] * factor + reference(pixel) * other)
        }
    }
    return output
}

private func clampUnit(_ x: Float) -> Float { min(max(x, 0), 1) }

private func checkColorAdjustment(_ operation: String, _ image: ImagePlanes, _ factor: Float) {
    precondition(image.channels == 1 || image.channels == 3,
                 "\(operation): needs 1 or 3 channels, not a \(image.channels)×\(image.height)×\(image.width) image")
    precondition(factor >= 0, "\(operation): factor \(factor) is negative")
}
