import Foundation
import FusionKitData
import Testing

/// Mutated fixture files, decoded in-process: each gives an image of sane size or an
/// `ImageError`, and never crashes, hangs or allocates without bound.
@Suite("Image decoding fuzz")
struct ImageFuzzTests {
    /// SplitMix64, so every run mutates the same way.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    }

    /// The pixel limit while fuzzing: a mutated header may claim any size up to it, and the
    /// decoders allocate for that size, so it bounds the memory one case can take.
    static let pixelLimit = 1 << 20

    static let seeds = ["png_rgb8_interlaced.png", "png_palette4_trns.png", "png_graya16.png", "png_gray2.png",
                        "jpeg_rgb_progressive.jpg", "jpeg_rgb_420_odd.jpg", "jpeg_gray.jpg", "jpeg_rgb_restart.jpg"]
    static let mutantsPerSeed = 300

    /// Values that sit on a boundary.
    static let interestingBytes: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF]
    static let interestingLengths: [UInt32] = [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF]

    /// One mutation of `bytes`: bit flips, byte overwrites, a truncation, a changed chunk or
    /// segment length, or a duplicated or removed chunk or segment. PNG chunks whose data changed
    /// get a correct CRC most of the time, so the mutation reaches libpng's decoding and not only
    /// its CRC check.
    static func mutate(_ original: [UInt8], isPNG: Bool, generator: inout Generator) -> [UInt8] {
        var bytes = original
        let kind = generator.below(7)
        switch kind {
        case 0:
            for _ in 0 ... generator.below(4) {
                let i = generator.below(bytes.count)
                bytes[i] ^= 1 << UInt8(generator.below(8))
            }
        case 1:
            for _ in 0 ... generator.below(3) {
                let i = generator.below(bytes.count)
                bytes[i] = generator.chance(50) ? interestingBytes[generator.below(interestingBytes.count)] : UInt8(generator.below(256))
            }
        case 2:
            bytes = Array(bytes.prefix(generator.below(bytes.count)))
        case 3, 4, 5:
            let units = isPNG ? pngChunkOffsets(bytes).map { offset -> (Int, Int) in
                (offset, 12 + bytes[offset ..< offset + 4].reduce(0) { $0 << 8 | Int($1) })
            } : jpegUnits(bytes)
            guard !units.isEmpty else { break }
            let (offset, length) = units[generator.below(units.count)]
            if kind == 3 {
                if isPNG {
                    let value = generator.chance(50) ? interestingLengths[generator.below(interestingLengths.count)]
                        : UInt32(max(0, length - 12 + generator.below(33) - 16))
                    bytes.replaceSubrange(offset ..< offset + 4, with: bigEndianBytes(value))
                } else if length >= 4 {
                    let value = generator.chance(50) ? [0, 1, 2, 0xFF, 0xFFFF][generator.below(5)] : max(0, length - 2 + generator.below(17) - 8)
                    bytes[offset + 2] = UInt8(value >> 8 & 0xFF)
                    bytes[offset + 3] = UInt8(value & 0xFF)
                }
            } else if kind == 4 {
                bytes.insert(contentsOf: bytes[offset ..< offset + length], at: generator.chance(50) ? offset : offset + length)
            } else {
                bytes.removeSubrange(offset ..< offset + length)
            }
            return bytes
        default:
            // Overwrite a run of up to 16 bytes.
            let start = generator.below(bytes.count)
            for i in start ..< min(bytes.count, start + 1 + generator.below(16)) { bytes[i] = UInt8(generator.below(256)) }
        }
        if isPNG && generator.chance(75) { bytes = fixingCRCs(bytes) }
        return bytes
    }

    /// The JPEG's marker segments (before the first scan), then its entropy-coded data split at
    /// restart and scan markers, as (offset, length) pairs.
    static func jpegUnits(_ bytes: [UInt8]) -> [(Int, Int)] {
        var units = jpegSegments(bytes).map { ($0.offset, $0.length) }
        guard let last = units.last else { return units }
        var start = last.0 + last.1
        var i = start
        while i + 1 < bytes.count {
            if bytes[i] == 0xFF && bytes[i + 1] != 0x00 && bytes[i + 1] != 0xFF {
                units.append((start, i - start))
                start = i
            }
            i += 1
        }
        return units.filter { $0.1 > 0 }
    }

    /// `bytes` with the CRC of every complete chunk recomputed.
    static func fixingCRCs(_ bytes: [UInt8]) -> [UInt8] {
        var fixed = bytes
        for offset in pngChunkOffsets(bytes) {
            let length = bytes[offset ..< offset + 4].reduce(0) { $0 << 8 | Int($1) }
            fixed.replaceSubrange(offset + 8 + length ..< offset + 12 + length,
                                  with: bigEndianBytes(crc32(bytes[offset + 4 ..< offset + 8 + length])))
        }
        return fixed
    }

    @Test("2400 mutated PNG and JPEG files decode or throw an ImageError")
    func mutatedFiles() throws {
        var generator = Generator(state: 0x5EED_1AA6)
        var outcomes: [String: Int] = [:]
        let start = ContinuousClock.now
        var slowest: (Duration, String) = (.zero, "")
        for seed in Self.seeds {
            let original = try imageFixtureBytes(seed)
            let isPNG = seed.hasSuffix(".png")
            for index in 0 ..< Self.mutantsPerSeed {
                let mutant = Self.mutate(original, isPNG: isPNG, generator: &generator)
                let caseStart = ContinuousClock.now
                let outcome: String
                do {
                    let image = try ImageFile.decode(mutant, source: "\(seed)#\(index)", maximumPixelCount: Self.pixelLimit)
                    #expect(image.width * image.height <= Self.pixelLimit && (1 ... 4).contains(image.channels)
                            && image.samples.count == image.width * image.height * image.channels)
                    outcome = "decoded"
                } catch {
                    #expect(error.path == "\(seed)#\(index)" && error.description.hasPrefix("\(seed)#\(index): "))
                    switch error {
                    case .notAnImage: outcome = "notAnImage"
                    case .truncated: outcome = "truncated"
                    case .corrupt: outcome = "corrupt"
                    case .tooLarge: outcome = "tooLarge"
                    case .outOfMemory: outcome = "outOfMemory"
                    case .unsupported: outcome = "unsupported"
                    case .unreadable, .writeFailed: outcome = "unexpected"
                    }
                }
                outcomes[outcome, default: 0] += 1
                let elapsed = ContinuousClock.now - caseStart
                if elapsed > slowest.0 { slowest = (elapsed, "\(seed)#\(index)") }
            }
        }
        let total = ContinuousClock.now - start
        print("image fuzz: \(outcomes.sorted { $0.key < $1.key }) in \(total); slowest \(slowest.1) took \(slowest.0)")
        #expect(outcomes["unexpected"] == nil)
        #expect(slowest.0 < .seconds(1), "\(slowest.1) took \(slowest.0)")
        #expect(outcomes.values.reduce(0, +) == Self.seeds.count * Self.mutantsPerSeed)
        // Mutations must reach the decoders, not stop at the signature check.
        #expect((outcomes["decoded"] ?? 0) > 100 && (outcomes["corrupt"] ?? 0) > 100)
    }
}
