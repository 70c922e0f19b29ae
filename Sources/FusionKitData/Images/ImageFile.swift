import Foundation
import FusionKit

/// Reading PNG and JPEG files into ``DecodedImage`` (torchvision's `read_image` / `decode_image`)
/// and writing 8-bit RGB PNGs.
///
/// Every byte of a file is treated as hostile: a damaged, truncated or malicious file throws an
/// ``ImageError`` and never crashes, reads outside the file, hangs, or allocates memory for more
/// pixels than the limit allows. Decoding is thread-safe; each call is independent.
public enum ImageFile {
    /// The most pixels (width × height) an image may declare unless a caller passes another limit:
    /// 2^28 (for example 16384 × 16384). Pixels take at most 8 bytes each (16-bit RGBA), so the
    /// decoded samples stay within 2 GiB. (Pillow warns above 89,478,485 pixels,
    /// `Image.MAX_IMAGE_PIXELS`, and refuses more than twice that.)
    public static let defaultMaximumPixelCount = 1 << 28

    /// Decodes the PNG or JPEG file at `url`; the format is told by the first bytes, whatever
    /// the file's extension.
    ///
    /// The file must be a regular file: a directory, a named pipe or a device is refused without
    /// waiting on it.
    ///
    /// - Throws: ``ImageError/unreadable(path:reason:)`` if the file cannot be read, and the errors
    ///   of ``decode(_:source:maximumPixelCount:)`` with the file's path as the source.
    public static func decode(contentsOf url: URL, maximumPixelCount: Int = defaultMaximumPixelCount) throws(ImageError) -> DecodedImage {
        let bytes: [UInt8]
        do {
            bytes = try FileIO.readRegularFile(at: url)
        } catch {
            if case .ioError(let path, let reason) = error { throw .unreadable(path: path, reason: reason) }
            throw .unreadable(path: url.path, reason: error.description)
        }
        return try decode(bytes, source: url.path, maximumPixelCount: maximumPixelCount)
    }

    /// Decodes PNG or JPEG data held in memory; `source` names it in errors (a path or a URL).
    ///
    /// The header's width × height is checked against `maximumPixelCount` before anything is
    /// allocated for the pixels, so the memory one call takes is bounded in proportion to the
    /// limit, whatever the data claims: the samples (at most 8 bytes a pixel) and, for JPEG,
    /// libjpeg's own buffers, which are capped at 8 bytes per allowed pixel plus 64 MiB (a
    /// progressive image's coefficients need about 6). A small hostile file can still declare a
    /// size up to the limit and make the decoder allocate for it before its data runs out; pass a
    /// lower limit for untrusted files where that matters. A progressive JPEG of more than 1000
    /// scans is refused, since each scan revisits the whole image.
    ///
    /// - Throws: ``ImageError/notAnImage(path:leadingBytes:)`` for data that is neither PNG nor
    ///   JPEG; ``ImageError/truncated(path:format:reason:)``,
    ///   ``ImageError/corrupt(path:format:reason:)`` (any CRC error, and any libjpeg warning
    ///   about corrupt data), ``ImageError/tooLarge(path:format:width:height:limit:)``,
    ///   ``ImageError/outOfMemory(path:format:reason:)`` and
    ///   ``ImageError/unsupported(path:format:reason:)`` (CMYK and YCCK JPEGs, 12-bit, lossless
    ///   and hierarchical JPEGs).
    public static func decode(_ bytes: [UInt8], source: String,
                              maximumPixelCount: Int = defaultMaximumPixelCount) throws(ImageError) -> DecodedImage {
        guard let format = ImageFormat(detecting: bytes) else {
            throw .notAnImage(path: source, leadingBytes: Array(bytes.prefix(8)))
        }
        return try ImageCodecs.decode(bytes, format: format, source: source, maximumPixelCount: maximumPixelCount)
    }
}
