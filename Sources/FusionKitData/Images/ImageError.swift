import FusionKit

/// Why an image file cannot be decoded or written.
///
/// Every case names the file (`path`: the file's path, or the `source` given to
/// ``ImageFile/decode(_:source:maximumPixelCount:)``) and says what is wrong; the messages of
/// libpng and libjpeg are passed on where they explain it.
public enum ImageError: DescribedError, Equatable, Sendable {
    /// The file cannot be read: it is missing, a directory, a named pipe or device, or not
    /// permitted; `reason` says which.
    case unreadable(path: String, reason: String)
    /// The data starts with neither the PNG nor the JPEG signature. `leadingBytes` are its first
    /// bytes (at most 8; none for an empty file).
    case notAnImage(path: String, leadingBytes: [UInt8])
    /// The data ends before the image does (a partly downloaded or copied file).
    case truncated(path: String, format: ImageFormat, reason: String)
    /// The decoder rejected the data: a bad CRC, corrupt compressed data, a bad Huffman code,
    /// an invalid header field, …; `reason` is libpng's or libjpeg's message.
    case corrupt(path: String, format: ImageFormat, reason: String)
    /// The header declares `width` × `height` pixels, more than `limit`
    /// (``ImageFile/defaultMaximumPixelCount`` unless the caller chose another). Checked before
    /// anything is allocated for the pixels, so a small hostile file cannot claim gigabytes.
    case tooLarge(path: String, format: ImageFormat, width: Int, height: Int, limit: Int)
    /// Decoding needs more memory than could be allocated, or more than libjpeg is allowed for an
    /// image of this shape (see ``ImageFile/decode(_:source:maximumPixelCount:)``).
    case outOfMemory(path: String, format: ImageFormat, reason: String)
    /// A well-formed image of a kind this decoder does not convert: a CMYK or YCCK JPEG (Pillow
    /// opens these as "CMYK"), or a JPEG of 12-bit samples or lossless or hierarchical coding.
    case unsupported(path: String, format: ImageFormat, reason: String)
    /// The file could not be written (or moved into place); `reason` says why.
    case writeFailed(path: String, reason: String)

    /// The file (or source) the error is about.
    public var path: String {
        switch self {
        case .unreadable(let path, _), .notAnImage(let path, _), .truncated(let path, _, _),
             .corrupt(let path, _, _), .tooLarge(let path, _, _, _, _), .outOfMemory(let path, _, _),
             .unsupported(let path, _, _), .writeFailed(let path, _):
            return path
        }
    }

    // Deliberate pattern (same shape as Sources/SortOfCLEVR/SortOfCLEVRFileError.swift:description): a switch of messages for a different error's cases.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read the image: \(reason)"
        case .notAnImage(let path, let leadingBytes):
            let accepted = ImageFormat.allCases
                .map { "\($0) files start with \(Self.hex($0.signature))" }.joined(separator: ", ")
            if leadingBytes.isEmpty { return "\(path): the file is empty, not an image (\(accepted))" }
            return "\(path): not a PNG or JPEG image: it starts with \(Self.hex(leadingBytes)); \(accepted)"
        case .truncated(let path, let format, let reason):
            return "\(path): truncated \(format) file: \(reason)"
        case .corrupt(let path, let format, let reason):
            return "\(path): corrupt \(format) file: \(reason)"
        case .tooLarge(let path, let format, let width, let height, let limit):
            let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
            let count = overflow ? "" : " = \(pixels) pixels"
            return "\(path): the \(format) header declares \(width) × \(height)\(count), "
                + "more than the limit of \(limit) pixels"
        case .outOfMemory(let path, let format, let reason):
            return "\(path): not enough memory to decode the \(format) image: \(reason)"
        case .unsupported(let path, let format, let reason):
            return "\(path): unsupported \(format) image: \(reason)"
        case .writeFailed(let path, let reason):
            return "\(path): cannot write the image: \(reason)"
        }
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }
}
