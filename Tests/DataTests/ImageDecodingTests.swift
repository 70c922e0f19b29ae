import Foundation
import FusionKitData
import Testing

/// `ImageFile.decode` against the pixels Pillow decodes from the same files
/// (Tests/Fixtures/make_image_fixtures.py), sample for sample.
@Suite("Image decoding against Pillow")
struct ImageDecodingTests {
    static let pngNames = [
        "png_gray1", "png_gray2", "png_gray4", "png_gray8", "png_gray16", "png_gray8_trns",
        "png_graya8", "png_graya16", "png_rgb8", "png_rgb16", "png_rgb8_trns", "png_rgba8", "png_rgba16",
        "png_palette8", "png_palette4_trns", "png_palette2", "png_palette1_trns",
        "png_gray1_interlaced", "png_gray16_interlaced", "png_graya8_interlaced", "png_rgb8_interlaced",
        "png_rgb8_interlaced_tiny", "png_rgba16_interlaced", "png_palette4_trns_interlaced",
    ]

    static let jpegNames = [
        "jpeg_rgb_444", "jpeg_rgb_422", "jpeg_rgb_420", "jpeg_rgb_420_odd", "jpeg_rgb_progressive",
        "jpeg_rgb_progressive_444", "jpeg_rgb_restart", "jpeg_gray", "jpeg_gray_progressive",
    ]

    /// The channels the decoder gives for each Pillow mode of an 8-bit file ("P" is expanded by
    /// the fixture script to RGB, or RGBA with tRNS, and "1" to "L").
    static func expectedChannels(pillowMode: String, reference: PillowReference.Pixels) -> Int {
        switch pillowMode {
        case "1", "L", "I;16": return 1
        case "LA": return 2
        case "P": return reference.channels
        case "RGB": return 3
        default: return 4
        }
    }

    @Test("PNG samples equal Pillow's (16-bit: torchvision's, and their high bytes Pillow's)", arguments: pngNames)
    func pngMatchesPillow(name: String) throws {
        let reference = try PillowReference.shared.get()
        let image = try ImageFile.decode(contentsOf: imageFixture(name + ".png"))
        let pillow = try reference.pixels(name + ".pillow")
        let mode = try #require(reference.modes[name])
        #expect(image.width == pillow.width && image.height == pillow.height)

        if reference.contains(name + ".torchvision") {
            // 16-bit: torchvision keeps the samples; Pillow keeps 16-bit gray ("I;16") but opens
            // colour as 8-bit high bytes, and 16-bit gray + alpha as RGBA.
            let torchvision = try reference.pixels(name + ".torchvision")
            #expect(image.bitDepth == 16)
            #expect(image.channels == torchvision.channels)
            let exact = compareSamples(image.intSamples, torchvision.values)
            #expect(exact.mismatches == 0, "\(name): \(exact.mismatches) samples differ from torchvision's")
            var highBytes = image.intSamples.map { mode == "I;16" ? $0 : $0 >> 8 }
            if mode == "RGBA" && image.channels == 2 {
                highBytes = stride(from: 0, to: highBytes.count, by: 2).flatMap { i in
                    [highBytes[i], highBytes[i], highBytes[i], highBytes[i + 1]]
                }
            }
            let pillowMatch = compareSamples(highBytes, pillow.values)
            #expect(pillowMatch.mismatches == 0, "\(name): \(pillowMatch.mismatches) samples differ from Pillow's")
            try expectPlanes(image, reference: torchvision, scale: 65535, name: name)
        } else {
            #expect(image.bitDepth == 8)
            #expect(image.channels == Self.expectedChannels(pillowMode: mode, reference: pillow))
            let match = compareSamples(image.intSamples, pillow.values)
            #expect(match.mismatches == 0,
                    "\(name): \(match.mismatches) samples differ from Pillow's, first at \(match.firstIndex ?? -1)")
            try expectPlanes(image, reference: reference.pixels(name + ".pillow_rgb"), scale: 255, name: name)
        }
    }

    // Pillow 13.0.0 bundles libjpeg-turbo 3.2.0; the decoder here links Debian's 2.1.5. Both
    // decode with the accurate integer IDCT and fancy upsampling, which give the same samples in
    // every version, so the comparison is exact.
    @Test("JPEG samples equal Pillow's", arguments: jpegNames)
    func jpegMatchesPillow(name: String) throws {
        let reference = try PillowReference.shared.get()
        let image = try ImageFile.decode(contentsOf: imageFixture(name + ".jpg"))
        let pillow = try reference.pixels(name + ".pillow")
        #expect(image.width == pillow.width && image.height == pillow.height)
        #expect(image.bitDepth == 8)
        #expect(image.channels == pillow.channels)
        let match = compareSamples(image.intSamples, pillow.values)
        #expect(match.mismatches == 0,
                "\(name): \(match.mismatches) samples differ from Pillow's, by at most \(match.maximumDifference)")
        try expectPlanes(image, reference: reference.pixels(name + ".pillow_rgb"), scale: 255, name: name)
    }

    /// `image.planes()` equals `reference` (height × width × 1, 2, 3 or 4 channels, gray repeated
    /// and alpha dropped) divided by `scale`.
    func expectPlanes(_ image: DecodedImage, reference: PillowReference.Pixels, scale: Float, name: String) throws {
        let planes = image.planes()
        #expect(planes.channels == 3 && planes.height == reference.height && planes.width == reference.width)
        var mismatches = 0
        for y in 0 ..< reference.height {
            for x in 0 ..< reference.width {
                for c in 0 ..< 3 {
                    let source = reference.channels >= 3 ? c : 0
                    let value = reference.values[(y * reference.width + x) * reference.channels + source]
                    if planes[c, y, x] != Float(value) / scale { mismatches += 1 }
                }
            }
        }
        #expect(mismatches == 0, "\(name): \(mismatches) plane values differ")
    }

    @Test("concurrent decodes on many threads give the same images as one at a time")
    func concurrentDecoding() async throws {
        let names = ["png_rgba16_interlaced.png", "png_palette4_trns.png", "jpeg_rgb_progressive.jpg", "jpeg_gray.jpg"]
        let expected = try names.map { try ImageFile.decode(contentsOf: imageFixture($0)) }
        let results = try await withThrowingTaskGroup(of: (Int, DecodedImage).self) { group in
            for _ in 0 ..< 8 {
                for (index, name) in names.enumerated() {
                    group.addTask { (index, try ImageFile.decode(contentsOf: imageFixture(name))) }
                }
            }
            var results: [(Int, DecodedImage)] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(results.count == 8 * names.count)
        for (index, image) in results { #expect(image == expected[index]) }
    }

    @Test("a palette with tRNS gives RGBA; tRNS of gray or RGB adds no alpha, as in Pillow")
    func transparency() throws {
        #expect(try ImageFile.decode(contentsOf: imageFixture("png_palette4_trns.png")).channels == 4)
        #expect(try ImageFile.decode(contentsOf: imageFixture("png_palette8.png")).channels == 3)
        #expect(try ImageFile.decode(contentsOf: imageFixture("png_gray8_trns.png")).channels == 1)
        #expect(try ImageFile.decode(contentsOf: imageFixture("png_rgb8_trns.png")).channels == 3)
    }

    @Test("1-bit gray becomes 0 and 255")
    func oneBitGray() throws {
        let image = try ImageFile.decode(contentsOf: imageFixture("png_gray1.png"))
        #expect(image.bitDepth == 8 && image.channels == 1)
        #expect(Set(image.intSamples) == [0, 255])
    }

    @Test("planes() drops alpha without compositing and repeats gray")
    func planesDropAlpha() {
        let grayAlpha = DecodedImage(width: 2, height: 1, channels: 2, samples: .uint8([200, 0, 51, 255]))
        #expect(grayAlpha.planes().values == [200, 51, 200, 51, 200, 51].map { Float($0) / 255 })
        let rgba = DecodedImage(width: 1, height: 1, channels: 4, samples: .uint16([65535, 0, 257, 0]))
        #expect(rgba.planes().values == [1, 0, Float(257) / 65535])
        #expect(rgba[0, 0, 2] == 257 && rgba.hasAlpha && rgba.bitDepth == 16)
    }

    @Test("the format comes from the first bytes, not the extension")
    func formatFromSignature() throws {
        let folder = try temporaryFolder("image-signature")
        defer { try? FileManager.default.removeItem(at: folder) }
        let misnamed = folder.appendingPathComponent("photo.jpg")
        try Data(imageFixtureBytes("png_rgb8.png")).write(to: misnamed)
        let image = try ImageFile.decode(contentsOf: misnamed)
        #expect(image == (try ImageFile.decode(contentsOf: imageFixture("png_rgb8.png"))))
        #expect(ImageFormat(detecting: try imageFixtureBytes("jpeg_gray.jpg")) == .jpeg)
        #expect(ImageFormat(detecting: Array("GIF89a".utf8)) == nil)
    }

    @Test("a CMYK JPEG is refused as unsupported")
    func cmykUnsupported() throws {
        let url = imageFixture("jpeg_cmyk.jpg")
        #expect {
            try ImageFile.decode(contentsOf: url)
        } throws: { error in
            guard case .unsupported(let path, .jpeg, let reason) = error as? ImageError else { return false }
            return path == url.path && reason.contains("CMYK") && "\(error)".contains(url.path)
        }
    }

    @Test("a 12-bit or lossless JPEG is refused as unsupported",
          arguments: [("precision", 12, "precision 12"), ("marker", 0xC3, "SOF type 0xc3")])
    func otherUnsupportedJPEGs(field: String, value: Int, expectedReason: String) throws {
        var bytes = try imageFixtureBytes("jpeg_gray.jpg")
        let frame = try #require(jpegSegments(bytes).first { bytes[$0.offset + 1] == 0xC0 })
        bytes[frame.offset + (field == "precision" ? 4 : 1)] = UInt8(value)
        #expect {
            try ImageFile.decode(bytes, source: "patched.jpg")
        } throws: { error in
            guard case .unsupported("patched.jpg", .jpeg, let reason) = error as? ImageError else { return false }
            return reason.contains(expectedReason)
        }
    }

    // Deliberate pattern (same shape as Tests/DataTests/ImageDecodingTests.swift:cmykUnsupported): #expect(throws:) spelling out the error case expected (unsupported there, corrupt here) and its reason.
    @Test("a progressive JPEG of more than 1000 scans is refused")
    func scanLimit() throws {
        let url = imageFixture("jpeg_many_scans.jpg")
        #expect {
            try ImageFile.decode(contentsOf: url)
        } throws: { error in
            guard case .corrupt(let path, .jpeg, let reason) = error as? ImageError else { return false }
            return path == url.path && reason.contains("1000 scans")
        }
    }
}
