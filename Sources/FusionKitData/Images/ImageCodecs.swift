import CImageCodecs

/// The calls into the C codecs (Sources/CImageCodecs), which keep libpng's and libjpeg's
/// setjmp/longjmp error handling inside C frames and return a status with a message instead.
enum ImageCodecs {
    /// Room for a libpng or libjpeg message and the context around it.
    private static let messageCapacity = 512

    static func decode(_ bytes: [UInt8], format: ImageFormat, source: String,
                       maximumPixelCount: Int) throws(ImageError) -> DecodedImage {
        var image = fk_decoded_image()
        var message = [CChar](repeating: 0, count: messageCapacity)
        let limit = UInt64(max(0, maximumPixelCount))
        let status = bytes.withUnsafeBufferPointer { data in
            message.withUnsafeMutableBufferPointer { text in
                switch format {
                case .png: fk_png_decode(data.baseAddress, data.count, limit, &image, text.baseAddress, text.count)
                case .jpeg: fk_jpeg_decode(data.baseAddress, data.count, limit, &image, text.baseAddress, text.count)
                }
            }
        }
        defer { fk_image_free(&image) }
        let reason = string(message)
        switch status {
        case FK_IMAGE_OK:
            return decodedImage(image)
        case FK_IMAGE_TRUNCATED:
            throw .truncated(path: source, format: format, reason: reason)
        case FK_IMAGE_TOO_LARGE:
            throw .tooLarge(path: source, format: format, width: Int(image.width), height: Int(image.height),
                            limit: maximumPixelCount)
        case FK_IMAGE_UNSUPPORTED:
            throw .unsupported(path: source, format: format, reason: reason)
        case FK_IMAGE_OUT_OF_MEMORY:
            throw .outOfMemory(path: source, format: format, reason: reason)
        default:
            throw .corrupt(path: source, format: format, reason: reason)
        }
    }

    /// Copies the C decoder's pixels into Swift arrays (the C buffer is freed by the caller).
    private static func decodedImage(_ image: fk_decoded_image) -> DecodedImage {
        let width = Int(image.width), height = Int(image.height), channels = Int(image.channels)
        let count = width * height * channels
        let raw = UnsafeRawBufferPointer(start: image.pixels, count: image.byte_count)
        let samples: DecodedImage.Samples
        if image.bit_depth == 16 {
            precondition(raw.count == count * 2, "ImageCodecs: the decoder returned \(raw.count) bytes for \(count) samples")
            samples = .uint16([UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
                initialized = count
            })
        } else {
            precondition(raw.count == count, "ImageCodecs: the decoder returned \(raw.count) bytes for \(count) samples")
            samples = .uint8([UInt8](raw))
        }
        return DecodedImage(width: width, height: height, channels: channels, samples: samples)
    }

    /// Encodes `width` × `height` 8-bit RGB pixels as a PNG, or gives libpng's reason for failing.
    static func encodePNG(rgb: [UInt8], width: Int, height: Int) -> Result<[UInt8], EncodingFailure> {
        var encoded = fk_encoded_bytes()
        var message = [CChar](repeating: 0, count: messageCapacity)
        let status = rgb.withUnsafeBufferPointer { pixels in
            message.withUnsafeMutableBufferPointer { text in
                fk_png_encode_rgb8(pixels.baseAddress, UInt32(width), UInt32(height), &encoded, text.baseAddress, text.count)
            }
        }
        defer { fk_bytes_free(&encoded) }
        guard status == FK_IMAGE_OK else { return .failure(EncodingFailure(reason: string(message))) }
        return .success([UInt8](UnsafeRawBufferPointer(start: encoded.bytes, count: encoded.count)))
    }

    /// libpng's reason for failing to encode.
    struct EncodingFailure: Error {
        var reason: String
    }

    /// The NUL-terminated UTF-8 text in `message`.
    private static func string(_ message: [CChar]) -> String {
        String(decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
