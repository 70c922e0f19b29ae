/// The central `height × width` window of `image`, as torchvision's `center_crop(image,
/// [height, width])`.
///
/// - Offset: the window starts at row `round((image.height − height) / 2)` and column
///   `round((image.width − width) / 2)`, rounding halves to even as Python's `round` does — a
///   window 7 narrower starts at 4 (3.5 → 4), one 5 narrower at 2 (2.5 → 2).
/// - A window larger than the image along an axis first pads that axis with zeros,
///   `(window − size) / 2` (floored) before and the rest after — the odd pixel goes to the
///   bottom or right — and the window then covers the padded axis exactly.
public func centerCrop(_ image: ImagePlanes, height: Int, width: Int) -> ImagePlanes {
    precondition(height > 0 && width > 0,
                 "centerCrop: crop \(height)×\(width) of a \(image.channels)×\(image.height)×\(image.width) image is empty")
    let top = centerCropOffset(size: image.height, window: height)
    let left = centerCropOffset(size: image.width, window: width)
    return window(image, top: top, left: left, height: height, width: width, fill: [0])
}

/// Where a centred window of `window` pixels starts along an axis of `size` pixels; negative
/// when the window is larger and the axis is padded (see `centerCrop`).
func centerCropOffset(size: Int, window: Int) -> Int {
    if window > size { return -((window - size) / 2) }
    return Int((Double(size - window) / 2).rounded(.toNearestOrEven))
}
