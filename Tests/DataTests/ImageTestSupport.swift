import Foundation
import FusionKitData

/// Tests/Fixtures/images, written by Tests/Fixtures/make_image_fixtures.py.
let imageFixturesFolder = fixturesFolder.appendingPathComponent("images")

/// The URL of fixture image `name` (with its extension).
func imageFixture(_ name: String) -> URL { imageFixturesFolder.appendingPathComponent(name) }

/// The bytes of fixture image `name`.
func imageFixtureBytes(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: imageFixture(name)))
}

/// The pixels Pillow (and, for 16-bit PNGs, torchvision) decoded from each fixture image,
/// read from Tests/Fixtures/images/reference.safetensors (see make_image_fixtures.py): arrays of
/// height × width × channels, `U8` or `U16`, named `<image>.pillow`, `<image>.pillow_rgb` and
/// `<image>.torchvision`.
struct PillowReference: Sendable {
    /// One array: its shape and its values widened to Int.
    struct Pixels: Sendable {
        var shape: [Int]
        var values: [Int]
        var height: Int { shape[0] }
        var width: Int { shape[1] }
        var channels: Int { shape[2] }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let arrays: [String: Pixels]
    /// Pillow's mode for each image ("L", "I;16", "RGBA", "P", …).
    let modes: [String: String]

    static let shared: Result<PillowReference, Failure> = Result { () throws(Failure) in try load() }

    /// The array `name` (such as "png_rgb8.pillow").
    func pixels(_ name: String) throws -> Pixels {
        guard let array = arrays[name] else { throw Failure(description: "reference.safetensors has no array \(name)") }
        return array
    }

    /// Whether the reference holds an array named `name`.
    func contains(_ name: String) -> Bool { arrays[name] != nil }

    private static func load() throws(Failure) -> PillowReference {
        let url = imageFixture("reference.safetensors")
        guard let data = try? Data(contentsOf: url), data.count >= 8 else {
            throw Failure(description: "cannot read \(url.path)")
        }
        let bytes = [UInt8](data)
        let headerLength = bytes[0 ..< 8].reversed().reduce(0) { $0 << 8 | Int($1) }
        guard 8 + headerLength <= bytes.count,
              let header = try? JSONSerialization.jsonObject(with: Data(bytes[8 ..< 8 + headerLength])) as? [String: Any]
        else { throw Failure(description: "\(url.path): malformed safetensors header") }
        let dataStart = 8 + headerLength
        var arrays: [String: Pixels] = [:]
        var modes: [String: String] = [:]
        for (name, entry) in header {
            if name == "__metadata__" {
                if let metadata = entry as? [String: String], let text = metadata["modes"],
                   let decoded = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String] {
                    modes = decoded
                }
                continue
            }
            guard let fields = entry as? [String: Any], let dtype = fields["dtype"] as? String,
                  let shape = fields["shape"] as? [Int], let offsets = fields["data_offsets"] as? [Int],
                  offsets.count == 2, shape.count == 3, dataStart + offsets[1] <= bytes.count
            else { throw Failure(description: "\(url.path): malformed entry \(name)") }
            let raw = bytes[dataStart + offsets[0] ..< dataStart + offsets[1]]
            let values: [Int]
            switch dtype {
            case "U8": values = raw.map(Int.init)
            case "U16": values = stride(from: raw.startIndex, to: raw.endIndex, by: 2).map { Int(raw[$0]) | Int(raw[$0 + 1]) << 8 }
            default: throw Failure(description: "\(url.path): \(name) has dtype \(dtype), not U8 or U16")
            }
            guard values.count == shape.reduce(1, *) else { throw Failure(description: "\(url.path): \(name) size mismatch") }
            arrays[name] = Pixels(shape: shape, values: values)
        }
        return PillowReference(arrays: arrays, modes: modes)
    }
}

extension DecodedImage {
    /// The samples widened to Int, interleaved.
    var intSamples: [Int] {
        switch samples {
        case .uint8(let values): return values.map(Int.init)
        case .uint16(let values): return values.map(Int.init)
        }
    }
}

/// The number of positions where `a` and `b` differ, the largest difference, and the first
/// differing index (arrays of different lengths count as entirely different).
func compareSamples(_ a: [Int], _ b: [Int]) -> (mismatches: Int, maximumDifference: Int, firstIndex: Int?) {
    guard a.count == b.count else { return (max(a.count, b.count), Int.max, 0) }
    var mismatches = 0, maximum = 0
    var first: Int?
    for i in a.indices where a[i] != b[i] {
        mismatches += 1
        maximum = max(maximum, abs(a[i] - b[i]))
        if first == nil { first = i }
    }
    return (mismatches, maximum, first)
}

/// The CRC-32 of `bytes` (the polynomial of PNG and zlib), for rewriting PNG chunks in tests.
func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0 ..< 8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

/// The 4 big-endian bytes of `value`.
func bigEndianBytes(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
}

/// A PNG chunk: its length, type, data and CRC.
func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + data
    return bigEndianBytes(UInt32(data.count)) + body + bigEndianBytes(crc32(body))
}

/// The offsets of the chunks of the PNG `bytes` (each at its length field), stopping at the
/// first chunk that runs past the end.
func pngChunkOffsets(_ bytes: [UInt8]) -> [Int] {
    var offsets: [Int] = []
    var offset = 8
    while offset + 12 <= bytes.count {
        let length = bytes[offset ..< offset + 4].reduce(0) { $0 << 8 | Int($1) }
        guard offset + 12 + length <= bytes.count else { break }
        offsets.append(offset)
        offset += 12 + length
    }
    return offsets
}

/// The 4-letter type of the chunk at `offset` of a PNG.
func pngChunkType(_ bytes: [UInt8], at offset: Int) -> String {
    String(decoding: bytes[offset + 4 ..< offset + 8], as: UTF8.self)
}

/// The offsets of the marker segments of the JPEG `bytes` before its first scan's data (each at
/// its 0xFF), with their total lengths (marker and length field included).
func jpegSegments(_ bytes: [UInt8]) -> [(offset: Int, length: Int)] {
    var segments: [(Int, Int)] = []
    var offset = 2
    while offset + 4 <= bytes.count, bytes[offset] == 0xFF {
        let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        guard length >= 2, offset + 2 + length <= bytes.count else { break }
        segments.append((offset, 2 + length))
        if bytes[offset + 1] == 0xDA { break }   // start of scan: entropy-coded data follows
        offset += 2 + length
    }
    return segments
}

/// Runs `body` on a new thread and waits at most `seconds` for it: its result, or nil if it did
/// not finish in time (the thread is then left running).
func runWithDeadline<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () -> T) -> T? {
    let box = DeadlineBox<T>()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        let value = body()
        box.lock.withLock { box.value = value }
        done.signal()
    }
    thread.start()
    guard done.wait(timeout: .now() + seconds) == .success else { return nil }
    return box.lock.withLock { box.value }
}

/// The result of ``runWithDeadline(seconds:_:)``'s thread, guarded by a lock.
private final class DeadlineBox<T: Sendable>: @unchecked Sendable {
    let lock = NSLock()
    var value: T?
}
