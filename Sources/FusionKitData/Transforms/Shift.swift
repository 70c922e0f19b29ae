/// What fills the pixels that a shift moves the image away from.
public enum ShiftFill: Codable, Equatable, Sendable {
    /// A constant per channel (one value for all channels when the array has one element).
    case constant([Float])
    /// The nearest edge pixel of the image, repeated outwards (torchvision's `padding_mode="edge"`).
    case replicateEdge
}

/// `image` moved `dx` pixels right and `dy` pixels down (negative: left, up), keeping its size:
/// `output[c, y, x] = image[c, y − dy, x − dx]`, and where that falls outside the image, the
/// fill. With `.constant`, this is torchvision's `affine(image, angle=0, translate=[dx, dy],
/// scale=1, shear=[0, 0], fill=fill)`; with `.replicateEdge`, it is `pad(image, …,
/// padding_mode="edge")` followed by `crop` back to the original size.
public func shift(_ image: ImagePlanes, dx: Int, dy: Int, fill: ShiftFill) -> ImagePlanes {
    switch fill {
    case .constant(let values):
        precondition(values.count == 1 || values.count == image.channels,
                     "shift: \(values.count) fill values for a \(image.channels)×\(image.height)×\(image.width) image")
        return window(image, top: -dy, left: -dx, height: image.height, width: image.width, fill: values)
    case .replicateEdge:
        var output = image
        for channel in 0..<image.channels {
            for y in 0..<image.height {
                let sourceRow = min(max(y - dy, 0), image.height - 1)
                for x in 0..<image.width {
                    let sourceColumn = min(max(x - dx, 0), image.width - 1)
                    output[channel, y, x] = image[channel, sourceRow, sourceColumn]
                }
            }
        }
        return output
    }
}
