/// `image` with `top` rows above, `bottom` below, `left` columns before and `right` after, filled
/// with `fill[channel]` — torchvision's `pad(image, [left, top, right, bottom], fill=fill)` in
/// constant mode. `fill` holds one value per channel, or one value for all channels.
public func pad(_ image: ImagePlanes, top: Int, bottom: Int, left: Int, right: Int, fill: [Float]) -> ImagePlanes {
    precondition(top >= 0 && bottom >= 0 && left >= 0 && right >= 0,
                 "pad: negative padding (top \(top), bottom \(bottom), left \(left), right \(right)) of a \(image.channels)×\(image.height)×\(image.width) image")
    precondition(fill.count == 1 || fill.count == image.channels,
                 "pad: \(fill.count) fill values for a \(image.channels)×\(image.height)×\(image.width) image")
    return window(image, top: -top, left: -left, height: image.height + top + bottom,
                  width: image.width + left + right, fill: fill)
}

/// `image` padded to a square: the shorter side grows to the longer one by `fill` on both
/// sides, half before and half after, the odd pixel going after (to the bottom or right) — the
/// same split as `centerCrop`'s padding. A square image is returned as it is.
///
/// `fill` holds one value per channel (e.g. the data set's mean colour, which normalises to
/// zero), or one value for all channels. Padding instead of cropping keeps the whole scene, so
/// nothing a question may ask about is cut away.
public func padToSquare(_ image: ImagePlanes, fill: [Float]) -> ImagePlanes {
    precondition(fill.count == 1 || fill.count == image.channels,
                 "padToSquare: \(fill.count) fill values for a \(image.channels)×\(image.height)×\(image.width) image")
    let side = max(image.height, image.width)
    let rows = side - image.height, columns = side - image.width
    return pad(image, top: rows / 2, bottom: rows - rows / 2, left: columns / 2, right: columns - columns / 2,
               fill: fill)
}
