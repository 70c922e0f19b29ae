import Foundation
import FusionKit

extension ImageFile {
    /// The largest width or height a PNG can declare (2^31 − 1).
    public static let maximumPNGSide = Int(Int32.max)

    /// `width` × `height` 8-bit RGB pixels (`rgb`: interleaved, row-major, 3 bytes a pixel) as a
    /// non-interlaced 8-bit RGB PNG file's bytes (zlib's default compression, libpng's adaptive
    /// row filters). Pillow, libpng and every other PNG reader read it back exactly.
    ///
    /// - Precondition: `width` and `height` are in 1 … ``maximumPNGSide`` and `rgb` holds
    ///   `width · height · 3` bytes. Encoding valid pixels cannot otherwise fail, short of memory.
    public static func encodePNG(rgb: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition((1 ... maximumPNGSide).contains(width) && (1 ... maximumPNGSide).contains(height),
                     "encodePNG: a PNG cannot be \(width) × \(height) pixels")
        let (pixels, pixelsOverflow) = width.multipliedReportingOverflow(by: height)
        let (count, countOverflow) = pixels.multipliedReportingOverflow(by: 3)
        precondition(!pixelsOverflow && !countOverflow && count == rgb.count,
                     "encodePNG: \(rgb.count) bytes are not \(width) × \(height) RGB pixels")
        switch ImageCodecs.encodePNG(rgb: rgb, width: width, height: height) {
        case .success(let bytes): return bytes
        case .failure(let failure): fatalError("encodePNG: libpng failed on \(width) × \(height) pixels: \(failure.reason)")
        }
    }

    /// Writes `width` × `height` 8-bit RGB pixels as a PNG file at `url` (see
    /// ``encodePNG(rgb:width:height:)``), atomically: the bytes go to a temporary file beside `url`,
    /// which is flushed to disk and then renamed over `url`, so readers never see a partial file
    /// and a failure leaves any earlier file in place.
    ///
    /// - Precondition: as for ``encodePNG(rgb:width:height:)``.
    /// - Throws: ``ImageError/writeFailed(path:reason:)`` when the file system refuses.
    public static func writePNG(rgb: [UInt8], width: Int, height: Int, to url: URL) throws(ImageError) {
        let bytes = encodePNG(rgb: rgb, width: width, height: height)
        do {
            try FileIO.writeAtomically(Data(bytes), to: url)
        } catch {
            if case .ioError(let path, let reason) = error { throw .writeFailed(path: path, reason: reason) }
            throw .writeFailed(path: url.path, reason: error.description)
        }
    }
}
