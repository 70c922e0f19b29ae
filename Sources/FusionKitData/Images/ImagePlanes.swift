/// One image as 32-bit floats, channel-major: the value of channel `c` at row `y`, column `x` is
/// `values[(c · height + y) · width + x]` — one image of PyTorch's NCHW layout.
///
/// Decoded files become planes with values in [0, 1] (`DecodedImage.planes()`); the transforms
/// (resize, crop, pad, normalise, augment) take planes and return planes; `ImageBatch` stacks
/// them into a tensor [N, C, H, W].
public struct ImagePlanes: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    /// [channels · height · width] values, channel-major then row-major.
    public var values: [Float]

    public init(channels: Int, height: Int, width: Int, values: [Float]) {
        precondition(channels > 0 && height > 0 && width > 0 && values.count == channels * height * width,
                     "ImagePlanes: \(values.count) values do not make \(channels) × \(height) × \(width) planes")
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }

    /// Planes of one constant value.
    public init(channels: Int, height: Int, width: Int, filledWith value: Float) {
        self.init(channels: channels, height: height, width: width,
                  values: [Float](repeating: value, count: channels * height * width))
    }

    /// The value of channel `channel` at (`row`, `column`).
    public subscript(channel: Int, row: Int, column: Int) -> Float {
        get { values[(channel * height + row) * width + column] }
        set { values[(channel * height + row) * width + column] = newValue }
    }
}
