import Foundation
import FusionKitData
import Testing

/// Files that are not images, damaged images and hostile headers each give a specific
/// `ImageError` whose message names the file.
@Suite("Image errors")
struct ImageErrorTests {
    /// Decodes `url` and returns the error, after checking that its message names the file.
    func decodeError(_ url: URL, maximumPixelCount: Int = ImageFile.defaultMaximumPixelCount,
                     sourceLocation: SourceLocation = #_sourceLocation) -> ImageError? {
        do {
            let image = try ImageFile.decode(contentsOf: url, maximumPixelCount: maximumPixelCount)
            Issue.record("\(url.lastPathComponent) decoded as \(image.width) × \(image.height)", sourceLocation: sourceLocation)
            return nil
        } catch {
            #expect(error.path == url.path, sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix(url.path + ": "), sourceLocation: sourceLocation)
            #expect(error.localizedDescription == error.description, sourceLocation: sourceLocation)
            return error
        }
    }

    /// Writes `bytes` to a file named `name` in a fresh folder, which `body` gets.
    func withFile<R>(_ name: String, _ bytes: [UInt8], _ body: (URL) throws -> R) throws -> R {
        let folder = try temporaryFolder("image-errors")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return try body(url)
    }

    /// The image `bytes` (of the fixture `name`), cut after each of `cuts` bytes, is reported as a
    /// truncated `format` file whose reason contains `reason(cut)`.
    func expectTruncated(_ bytes: [UInt8], named name: String, as format: ImageFormat, cutAt cuts: [Int],
                         sourceLocation: SourceLocation = #_sourceLocation, reason: (Int) -> String) throws {
        for cut in cuts {
            try withFile("cut-\(cut)-\(name)", Array(bytes.prefix(cut))) { url in
                guard case .truncated(_, format, let found) = decodeError(url, sourceLocation: sourceLocation) else {
                    Issue.record("\(name) cut at \(cut) of \(bytes.count) bytes is not reported as truncated", sourceLocation: sourceLocation)
                    return
                }
                #expect(found.contains(reason(cut)), "\(name) cut at \(cut): \(found)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("a missing file and a directory are unreadable")
    func unreadable() throws {
        let folder = try temporaryFolder("image-unreadable")
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("missing.png")
        guard case .unreadable(_, let reason) = decodeError(missing) else { Issue.record("not unreadable"); return }
        #expect(reason.contains("No such file"))
        guard case .unreadable(_, let reason) = decodeError(folder) else { Issue.record("not unreadable"); return }
        #expect(reason.contains("directory"))
    }

    @Test("a named pipe is refused at once, not waited on")
    func namedPipe() throws {
        let folder = try temporaryFolder("image-fifo")
        defer { try? FileManager.default.removeItem(at: folder) }
        let pipe = folder.appendingPathComponent("pipe.png")
        try #require(mkfifo(pipe.path, 0o600) == 0)
        let outcome = runWithDeadline(seconds: 1) { () -> ImageError? in
            do throws(ImageError) {
                _ = try ImageFile.decode(contentsOf: pipe)
                return nil
            } catch {
                return error
            }
        }
        guard let outcome else {
            // Release the blocked reader so the thread can end: opening the write end succeeds
            // once a reader waits.
            let writer = open(pipe.path, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
            Issue.record("decoding a named pipe did not return within 1 s")
            return
        }
        guard case .unreadable(let path, let reason) = outcome else { Issue.record("not unreadable: \(String(describing: outcome))"); return }
        #expect(path == pipe.path && reason.contains("named pipe"))
    }

    @Test("an empty file and a text file are not images, and the message says what is accepted")
    func notImages() throws {
        try withFile("empty.png", []) { url in
            #expect(decodeError(url) == .notAnImage(path: url.path, leadingBytes: []))
            #expect(decodeError(url)?.description.contains("empty") == true)
        }
        try withFile("notes.jpg", Array("Hello, world!\n".utf8)) { url in
            let error = decodeError(url)
            #expect(error == .notAnImage(path: url.path, leadingBytes: Array("Hello, w".utf8)))
            let message = error?.description ?? ""
            #expect(message.contains("PNG") && message.contains("JPEG") && message.contains("48 65 6C 6C"))
        }
        // Only part of the PNG signature.
        try withFile("short.png", Array(try imageFixtureBytes("png_rgb8.png").prefix(6))) { url in
            guard case .notAnImage = decodeError(url) else { Issue.record("not notAnImage"); return }
        }
    }

    @Test("a PNG cut anywhere after its signature is truncated")
    func truncatedPNG() throws {
        let bytes = try imageFixtureBytes("png_rgb8_interlaced.png")
        let firstIDAT = try #require(pngChunkOffsets(bytes).first { pngChunkType(bytes, at: $0) == "IDAT" })
        let cuts = [8, 12, 20, 33, firstIDAT + 8, firstIDAT + 100, bytes.count / 2, bytes.count - 12, bytes.count - 1]
        try expectTruncated(bytes, named: "png_rgb8_interlaced.png", as: .png, cutAt: cuts) { "\($0) bytes" }
    }

    @Test("a JPEG cut anywhere after its signature is truncated, never grey-filled")
    func truncatedJPEG() throws {
        for name in ["jpeg_rgb_420.jpg", "jpeg_rgb_progressive.jpg"] {
            let bytes = try imageFixtureBytes(name)
            let scanStart = try #require(jpegSegments(bytes).last).offset
            let cuts = [3, 4, 20, scanStart, scanStart + 20, bytes.count / 2, bytes.count - 100, bytes.count - 2, bytes.count - 1]
            try expectTruncated(bytes, named: name, as: .jpeg, cutAt: cuts) { _ in "Premature end" }
        }
    }

    @Test("bytes before a JPEG marker (a libjpeg warning) are an error")
    func extraneousJPEGBytes() throws {
        var bytes = try imageFixtureBytes("jpeg_rgb_444.jpg")
        bytes.insert(contentsOf: [0x12, 0x34, 0x56], at: bytes.count - 2)   // before EOI
        try withFile("extraneous.jpg", bytes) { url in
            guard case .corrupt(_, .jpeg, let reason) = decodeError(url) else { Issue.record("not corrupt"); return }
            #expect(reason.contains("extraneous bytes"))
        }
    }

    @Test("a bad CRC in any PNG chunk is an error", arguments: ["IHDR", "tRNS", "IDAT", "IEND"])
    func badCRC(chunkType: String) throws {
        var bytes = try imageFixtureBytes("png_palette4_trns.png")
        let offset = try #require(pngChunkOffsets(bytes).first { pngChunkType(bytes, at: $0) == chunkType })
        let length = bytes[offset ..< offset + 4].reduce(0) { $0 << 8 | Int($1) }
        bytes[offset + 8 + length] ^= 0x01   // first byte of the CRC
        try withFile("crc-\(chunkType).png", bytes) { url in
            guard case .corrupt(_, .png, let reason) = decodeError(url) else { Issue.record("not corrupt"); return }
            #expect(reason.contains("CRC"))
        }
    }

    @Test("corrupt compressed PNG data (with a valid CRC) is an error")
    func corruptDeflate() throws {
        var bytes = try imageFixtureBytes("png_rgb8.png")
        let offset = try #require(pngChunkOffsets(bytes).first { pngChunkType(bytes, at: $0) == "IDAT" })
        let length = bytes[offset ..< offset + 4].reduce(0) { $0 << 8 | Int($1) }
        bytes[offset + 8] = 0x78 ^ 0x0F   // the zlib header's first byte: a bad compression method
        let crc = bigEndianBytes(crc32(bytes[offset + 4 ..< offset + 8 + length]))
        bytes.replaceSubrange(offset + 8 + length ..< offset + 12 + length, with: crc)
        try withFile("deflate.png", bytes) { url in
            guard case .corrupt(_, .png, _) = decodeError(url) else { Issue.record("not corrupt"); return }
        }
    }

    @Test("a PNG header declaring 100000 × 100000 pixels is too large, before anything is allocated")
    func hugePNGHeader() throws {
        let header = bigEndianBytes(100_000) + bigEndianBytes(100_000) + [8, 2, 0, 0, 0]
        let bytes = ImageFormat.png.signature + pngChunk("IHDR", header) + pngChunk("IDAT", [0x78, 0x9C, 0x03, 0x00])
            + pngChunk("IEND", [])
        try withFile("huge.png", bytes) { url in
            let error = decodeError(url)
            #expect(error == .tooLarge(path: url.path, format: .png, width: 100_000, height: 100_000,
                                       limit: ImageFile.defaultMaximumPixelCount))
            #expect(error?.description.contains("100000 × 100000 = 10000000000 pixels") == true)
        }
    }

    @Test("a JPEG header declaring 60000 × 60000 pixels is too large")
    func hugeJPEGHeader() throws {
        var bytes = try imageFixtureBytes("jpeg_rgb_420.jpg")
        let frame = try #require(jpegSegments(bytes).first { bytes[$0.offset + 1] == 0xC0 })
        bytes.replaceSubrange(frame.offset + 5 ..< frame.offset + 9, with: [0xEA, 0x60, 0xEA, 0x60])
        try withFile("huge.jpg", bytes) { url in
            #expect(decodeError(url) == .tooLarge(path: url.path, format: .jpeg, width: 60_000, height: 60_000,
                                                  limit: ImageFile.defaultMaximumPixelCount))
        }
    }

    @Test("the pixel limit can be lowered", arguments: ["png_rgb8.png", "jpeg_rgb_420.jpg"])
    func lowerLimit(name: String) throws {
        let url = imageFixture(name)
        guard case .tooLarge(_, _, 40, 30, 1199) = decodeError(url, maximumPixelCount: 1199) else {
            Issue.record("not tooLarge")
            return
        }
        #expect(try ImageFile.decode(contentsOf: url, maximumPixelCount: 1200).width == 40)
    }

    @Test("decoding from memory names the given source")
    func memorySource() {
        #expect(throws: ImageError.notAnImage(path: "s3://bucket/key", leadingBytes: [1, 2])) {
            try ImageFile.decode([1, 2], source: "s3://bucket/key")
        }
    }
}
