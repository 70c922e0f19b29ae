/// Resizes `image` to `height × width` with bilinear interpolation, as
/// `torchvision.transforms.v2.functional.resize(image, [height, width],
/// interpolation=InterpolationMode.BILINEAR, antialias=antialias)` does to a float tensor.
///
/// - With `antialias` (the default, and torchvision's): when shrinking, each output pixel
///   averages its whole footprint with a triangle filter that widens with the scale factor
///   (PIL's and torch's antialiased bilinear), so fine detail does not alias; when enlarging,
///   this is plain bilinear.
/// - Without: `interpolate(mode="bilinear", align_corners=False)`, two taps per axis at any
///   scale.
///
/// The two axes are resampled separably — every row to the new width, then every column to the
/// new height — with weights computed once per axis. An axis that keeps its size is copied; an
/// image that keeps both is returned as it is. Values are not clamped: the weights are
/// non-negative and sum to 1, so outputs stay within the inputs' range up to rounding.
public func resize(_ image: ImagePlanes, height: Int, width: Int, antialias: Bool = true) -> ImagePlanes {
    resize(image, height: height, width: width, antialias: antialias, kernel: .vectorized)
}

/// ``resize(_:height:width:antialias:)`` with a chosen resampling kernel (tests compare the kernels).
package func resize(_ image: ImagePlanes, height: Int, width: Int, antialias: Bool, kernel: ResamplingKernel) -> ImagePlanes {
    precondition(height > 0 && width > 0,
                 "resize: output \(height)×\(width) of a \(image.channels)×\(image.height)×\(image.width) image is empty")
    if height == image.height && width == image.width { return image }
    let makeAxis = antialias ? ResamplingAxis.antialiasedBilinear : ResamplingAxis.bilinear
    var planes = image
    if width != image.width {
        planes = resampleRows(planes, makeAxis(image.width, width), kernel: kernel)
    }
    if height != image.height {
        planes = resampleColumns(planes, makeAxis(image.height, height), kernel: kernel)
    }
    return planes
}

/// Resizes `image` so that its shorter side becomes `shorterSide` and the longer side keeps the
/// aspect ratio, as torchvision's `resize(image, size=shorterSide)` (an int, or a one-element
/// list) does; see `shorterSideSize` for the exact rounding. A square image becomes
/// `shorterSide × shorterSide`.
public func resize(_ image: ImagePlanes, shorterSide: Int, antialias: Bool = true) -> ImagePlanes {
    let size = shorterSideSize(height: image.height, width: image.width, shorterSide: shorterSide)
    return resize(image, height: size.height, width: size.width, antialias: antialias)
}

/// The size torchvision's `resize(image, size=shorterSide)` gives an `height × width` image: the
/// shorter side (the width when the sides are equal) becomes `shorterSide` and the longer side
/// becomes `⌊shorterSide · longer / shorter⌋` — truncated, not rounded, as torchvision's
/// `int(size * long / short)`: 60×45 with `shorterSide` 32 becomes 42×32, not 43×32.
public func shorterSideSize(height: Int, width: Int, shorterSide: Int) -> (height: Int, width: Int) {
    precondition(shorterSide > 0 && height > 0 && width > 0,
                 "resize: shorter side \(shorterSide) for a \(height)×\(width) image")
    let (short, long) = width <= height ? (width, height) : (height, width)
    // Python's int / int is the correctly rounded quotient, which Double division of these
    // exactly representable integers reproduces.
    let newLong = Int(Double(shorterSide * long) / Double(short))
    return width <= height ? (newLong, shorterSide) : (shorterSide, newLong)
}
