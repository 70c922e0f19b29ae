extension DecodedImage {
    /// The image as 3 RGB planes with values in [0, 1]: 8-bit samples divided by 255 (as
    /// torchvision's `ToTensor` does), 16-bit samples divided by 65535.
    ///
    /// Gray is repeated in all three planes and alpha is dropped without compositing onto any
    /// background, as Pillow's `convert("RGB")` does; for 8-bit images the planes are exactly that
    /// conversion divided by 255. (For 16-bit images Pillow differs: it opens colour as 8-bit, and
    /// its `convert("RGB")` of 16-bit gray clips values above 255 to 255 instead of scaling them.)
    public func planes() -> ImagePlanes {
        let planeSize = width * height
        let colorChannels = channels >= 3 ? 3 : 1
        var values = [Float](repeating: 0, count: 3 * planeSize)
        values.withUnsafeMutableBufferPointer { output in
            switch samples {
            case .uint8(let source) where channels == 3:
                // The common case, by table: each byte's value / 255, the same floats as the division.
                source.withUnsafeBufferPointer { input in
                    Self.unitOfByte.withUnsafeBufferPointer { unit in
                        for pixel in 0 ..< planeSize {
                            output[pixel] = unit[Int(input[3 * pixel])]
                            output[planeSize + pixel] = unit[Int(input[3 * pixel + 1])]
                            output[2 * planeSize + pixel] = unit[Int(input[3 * pixel + 2])]
                        }
                    }
                }
            case .uint8(let source):
                source.withUnsafeBufferPointer { input in
                    Self.spread(input, channels: channels, colorChannels: colorChannels, planeSize: planeSize,
                                scale: 255, into: output)
                }
            case .uint16(let source):
                source.withUnsafeBufferPointer { input in
                    Self.spread(input, channels: channels, colorChannels: colorChannels, planeSize: planeSize,
                                scale: 65535, into: output)
                }
            }
        }
        return ImagePlanes(channels: 3, height: height, width: width, values: values)
    }

    /// Float(byte) / 255 for every byte value.
    private static let unitOfByte: [Float] = (0 ... 255).map { Float($0) / 255 }

    /// Writes pixel `p`'s colour samples of `input` (`channels` interleaved, the first
    /// `colorChannels` of them colour), divided by `scale`, to `output[c · planeSize + p]` for
    /// c = 0, 1, 2, repeating the one gray sample when `colorChannels` is 1.
    private static func spread<Sample: BinaryInteger>(
        _ input: UnsafeBufferPointer<Sample>, channels: Int, colorChannels: Int, planeSize: Int,
        scale: Float, into output: UnsafeMutableBufferPointer<Float>
    ) {
        for pixel in 0 ..< planeSize {
            let base = pixel * channels
            for plane in 0 ..< 3 {
                let sample = input[base + (colorChannels == 1 ? 0 : plane)]
                output[plane * planeSize + pixel] = Float(sample) / scale
            }
        }
    }
}
