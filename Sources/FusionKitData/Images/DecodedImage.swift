/// A decoded image as the file stores it, before any conversion to floats — what
/// `torchvision.io.decode_image` returns, but interleaved (height, width, channels) rather than
/// channel-major.
///
/// `channels` is 1 (gray), 2 (gray and alpha), 3 (RGB) or 4 (RGBA); samples are 8 or 16 bits,
/// as in the file. The sample of channel `c` at row `y`, column `x` is at
/// `(y · width + x) · channels + c`. How files map to this, matching the modes Pillow opens them
/// in (and torchvision, which also keeps 16-bit PNG samples):
///
/// * PNG gray of 1, 2 or 4 bits is scaled to 8 bits (0…255, as Pillow's `convert("L")`); 8- and
///   16-bit gray, gray + alpha, RGB and RGBA keep their channels and depth. (Pillow keeps 16-bit
///   gray as "I;16" but opens 16-bit colour as 8-bit, keeping each sample's high byte, and 16-bit
///   gray + alpha as "RGBA"; here they stay 16-bit, as in torchvision.)
/// * A palette PNG is expanded to RGB, or to RGBA when it has a tRNS chunk — Pillow's
///   `convert("RGB")` and `convert("RGBA")` of its "P" image.
/// * A tRNS chunk in a gray or RGB PNG (one colour marked transparent) adds no alpha channel;
///   Pillow too opens such files as "L" or "RGB" and keeps the colour only as `info["transparency"]`.
/// * JPEG gives 1 channel (grayscale) or 3 (RGB from YCbCr), 8 bits.
public struct DecodedImage: Sendable, Equatable {
    /// The samples of an image, at the file's depth.
    public enum Samples: Sendable, Equatable {
        case uint8([UInt8])
        case uint16([UInt16])

        public var count: Int {
            switch self {
            case .uint8(let values): return values.count
            case .uint16(let values): return values.count
            }
        }
    }

    public let width: Int
    public let height: Int
    /// 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
    public let channels: Int
    /// height · width · channels samples, interleaved, row-major.
    public let samples: Samples

    /// - Precondition: `width`, `height` > 0, `channels` in 1…4, and `samples` holds
    ///   `width · height · channels` values.
    public init(width: Int, height: Int, channels: Int, samples: Samples) {
        precondition(width > 0 && height > 0 && (1 ... 4).contains(channels),
                     "DecodedImage: \(width) × \(height) pixels of \(channels) channels is not an image")
        let (pixels, pixelsOverflow) = width.multipliedReportingOverflow(by: height)
        let (count, countOverflow) = pixels.multipliedReportingOverflow(by: channels)
        precondition(!pixelsOverflow && !countOverflow && count == samples.count,
                     "DecodedImage: \(samples.count) samples do not make \(width) × \(height) × \(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }

    /// 8 or 16.
    public var bitDepth: Int {
        switch samples {
        case .uint8: return 8
        case .uint16: return 16
        }
    }

    /// Whether the last channel is alpha (2 or 4 channels).
    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    /// The largest sample value: 255 or 65535.
    public var maximumValue: Int { bitDepth == 8 ? 255 : 65535 }

    /// The sample of `channel` at (`row`, `column`).
    public subscript(row: Int, column: Int, channel: Int) -> Int {
        precondition((0 ..< height).contains(row) && (0 ..< width).contains(column) && (0 ..< channels).contains(channel),
                     "DecodedImage: (\(row), \(column), \(channel)) is outside \(height) × \(width) × \(channels)")
        let index = (row * width + column) * channels + channel
        switch samples {
        case .uint8(let values): return Int(values[index])
        case .uint16(let values): return Int(values[index])
        }
    }
}
